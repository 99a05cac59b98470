export function wifiStandIn(options?: { flapEveryMs?: number; flaps?: number; pauseAfterFirstMs?: number }): string;
