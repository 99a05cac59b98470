export function wifiStandIn(options?: { flapEveryMs?: number; flaps?: number }): string;
