// Resolves chosen host names to 127.0.0.1 inside this process, by wrapping dns.lookup (which net and
// therefore http/https use). Lets a loopback fake answer under a real-looking name, such as a Key Vault
// host name that must end with the challenge resource's host name.
// - In a test: `const uninstall = require('./loopbackDns.cjs').installLoopbackDns(['kv.vault.azure.test'])`.
// - In a child process: NODE_OPTIONS="--require /abs/path/loopbackDns.cjs" and LOOPBACK_HOSTS=name1,name2.
'use strict';
const dns = require('node:dns');

function installLoopbackDns(hostnames) {
  const names = new Set(hostnames.map((h) => h.toLowerCase()));
  const original = dns.lookup;
  function lookup(hostname, options, callback) {
    if (typeof options === 'function') [callback, options] = [options, {}];
    if (typeof options === 'number') options = { family: options };
    if (!names.has(String(hostname).toLowerCase())) return original.call(dns, hostname, options, callback);
    process.nextTick(() =>
      options && options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4),
    );
    return {};
  }
  dns.lookup = lookup;
  return () => {
    if (dns.lookup === lookup) dns.lookup = original;
  };
}

if (process.env.LOOPBACK_HOSTS) installLoopbackDns(process.env.LOOPBACK_HOSTS.split(',').filter(Boolean));

module.exports = { installLoopbackDns };
