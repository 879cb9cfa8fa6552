// Preloaded (node --require) by tools/run.sh and the tests: a server that
// asks to listen on every interface (0.0.0.0, ::, or no host) listens on
// 127.0.0.1 instead, so the local emulators are reachable from this machine
// only. fauxqs listens on 0.0.0.0 whatever FAUXQS_HOST says.
"use strict";
const net = require("net");
const listen = net.Server.prototype.listen;
const wildcard = (h) => h === undefined || h === null || h === "" || h === "0.0.0.0" || h === "::";
net.Server.prototype.listen = function (...args) {
  if (args.length > 0 && args[0] !== null && typeof args[0] === "object" && !Array.isArray(args[0])) {
    if (args[0].path === undefined && wildcard(args[0].host)) args[0] = { ...args[0], host: "127.0.0.1" };
  } else if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== "string" || wildcard(args[1])) {
      const rest = typeof args[1] === "string" ? args.slice(2) : args.slice(1);
      args = [args[0], "127.0.0.1", ...rest];
    }
  }
  return listen.apply(this, args);
};
