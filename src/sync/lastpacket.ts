/**
 * What a source's last reply said, for `ntpdata`, ntpq and the measurements log. Its own small
 * module: the reports read it without loading the sync code (sync/source.ts writes it).
 */

/**
 * What the last reply said, for `ntpdata`: one Float64Array by LastPacketField, made at the
 * source's first reply (a number array costs the device a fraction of an object's properties).
 */
export type LastPacket = Float64Array;

export const enum LastPacketField {
  Leap = 0,
  Version = 1,
  Mode = 2,
  Stratum = 3,
  PollLog2 = 4,
  PrecisionLog2 = 5,
  RootDelay = 6,
  RootDispersion = 7,
  ReferenceId = 8,
  ReferenceTime = 9,
  /** The server's t2 and t3, Unix seconds. */
  ReceiveTime = 10,
  TransmitTime = 11,
  Offset = 12,
  Delay = 13,
  Dispersion = 14,
  /** chrony's "NTP tests" (see TestBit): bit set when the test passed. */
  Tests = 15,
  /** 1 when it carried a valid MAC under the source's key. */
  Authenticated = 16,
  /** Local cooked time it arrived. */
  Arrival = 17,
  Length = 18,
  Size = 19,
}

/** The bits of LastPacketField.Tests, in the order of chrony's "111 111 1111" (its fixed 1s included); a bit is set when the test passed. */
export const enum TestBit {
  Test1 = 1, // not a duplicate of the last reply
  Test2 = 2, // its origin is our outstanding request
  Test3 = 4, // the server's timestamps are set
  TestA = 8, // maxdelay and maxdelayratio
  FixedB = 16,
  FixedC = 32,
  Test5 = 64, // authentication
  Test6 = 128, // the server is synchronised
  Test7 = 256, // root distance within maxdistance
  FixedD = 512,
}

/** chrony's "NTP tests" text of LastPacketField.Tests: "111 111 1111" when all passed. */
export function testsText(tests: number): string {
  let text = '';
  for (let bit = 0; bit < 10; bit++) text += (bit === 3 || bit === 6 ? ' ' : '') + ((tests >> bit) & 1);
  return text;
}
