import type ts from 'typescript';

export interface Analysis {
  reserved: string[];
  candidates: string[];
  dataKeys: string[];
  declaredOutside: string[];
  reasons: Map<string, string[]>;
  isDataKey(member: ts.Node): boolean;
}

export function analyse(program: ts.Program, ourDir: string): Analysis;
export function quoteDataKeys(isDataKey: (member: ts.Node) => boolean): ts.TransformerFactory<ts.SourceFile>;
export function countProperties(code: string): Map<string, number>;
export function propertyMangling(ourDir: string): {
  readonly result: Analysis | null;
  readonly names: Map<string, string>;
  transformers(program: ts.Program): ts.CustomTransformers;
  terserOptions: { keep_quoted: 'strict'; builtins: true; reserved: string[]; cache: { props: Record<string, string> } };
  /** Decides the short names for all the chunks of one build (their code), filling terserOptions. */
  prepare(codes: string[]): void;
  /** The name map as JSON text (long name → short name). */
  mapText(): string;
};
