// A stand-in for the ESP32's Wifi module, written to Storage as the module "Wifi" (the Linux build
// of the interpreter has none): a station connected on 127.0.0.1. With `flapEveryMs`, it drops
// and restores the link that often, `flaps` times, emitting the events the ESP32 port emits;
// with `pauseAfterFirstMs`, the link stays up that long after the first restore (a quiet moment
// to read the memory at).
// Used by the device tests (test/device/device.ts) and the cost bench (test/bench/device-cost.mjs).

/** The module's source text. */
export function wifiStandIn(options = {}) {
  const flap = options.flapEveryMs ?? 0;
  return `var up=true;
exports.getIP=function(cb){var i=up?{ip:"127.0.0.1",netmask:"255.0.0.0",gw:"127.0.0.1",mac:"00:00:00:00:00:00"}:{ip:"0.0.0.0",netmask:"0.0.0.0",gw:"0.0.0.0",mac:"00:00:00:00:00:00"};if(cb)cb(null,i);return i;};
exports.getStatus=function(){return {station:up?"connected":"off"};};
exports.connect=function(s,o,cb){setTimeout(function(){up=true;if(cb)cb(null);exports.emit("connected",{ip:"127.0.0.1"});},10);};
exports.setHostname=function(){};exports.setIP=function(s,cb){if(cb)cb();};
exports.getHostByName=function(h,cb){setTimeout(function(){cb(undefined);},0);};
exports.flaps=0;
${flap > 0 ? `var n=0;function step(){up=!up;if(up){exports.flaps++;exports.emit("connected",{ip:"127.0.0.1"});}else exports.emit("disconnected",{reason:8,msg:"flap"});
if(++n<${2 * (options.flaps ?? 1)})setTimeout(step,n===2?${options.pauseAfterFirstMs ?? flap / 2}:${flap / 2});}
setTimeout(step,${flap});` : ''}`;
}
