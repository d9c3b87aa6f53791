#!/usr/bin/env bash
# Writes Tests/Fixtures/vpn/openvpn-2.6-server.log: the log of a real OpenVPN server (Debian's openvpn package), not
# lines quoted from its source or documentation. A server on 127.0.0.1 (tun, a 10.8.0.0/24 pool, username/password
# checked by a script) and three client sessions from 127.0.0.5: a wrong password, vendor1 with the right one (an
# address from the pool), vendor2 given a fixed address by a client-config-dir file (`ifconfig-push`, no pool line);
# each client leaves with an exit notification. RemoteAccessLogTests reads it.
# Needs root, /dev/net/tun, openvpn and openssl. Run from anywhere: bash scripts/oracles/openvpn_log.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/Tests/Fixtures/vpn/openvpn-2.6-server.log"
command -v openvpn >/dev/null || { echo "openvpn is not installed: apt-get install openvpn" >&2; exit 1; }
work=$(mktemp -d)
trap 'pkill -f "openvpn --cd $work" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
source "$repo/scripts/oracles/gateway_pki.sh"
gateway_pki server server "extendedKeyUsage=serverAuth"
cat > check.sh <<'CHECK'
#!/bin/sh
# --auth-user-pass-verify via-file: the file holds the username, then the password.
u=$(sed -n 1p "$1"); p=$(sed -n 2p "$1")
{ [ "$u" = vendor1 ] && [ "$p" = correct-horse ]; } || { [ "$u" = vendor2 ] && [ "$p" = battery-staple ]; }
CHECK
chmod +x check.sh
mkdir ccd
echo "ifconfig-push 10.8.0.50 255.255.255.0" > ccd/vendor2
cat > server.conf <<CONF
port 1194
proto udp
local 127.0.0.1
dev tun
ca ca.crt
cert server.crt
key server.key
dh none
topology subnet
server 10.8.0.0 255.255.255.0
client-config-dir ccd
ifconfig-noexec
route-noexec
keepalive 10 60
verb 3
script-security 2
auth-user-pass-verify $work/check.sh via-file
username-as-common-name
verify-client-cert none
log $work/server.log
CONF
cat > client.conf <<'CONF'
client
dev tun
proto udp
remote 127.0.0.1 1194
local 127.0.0.5
lport 0
ca ca.crt
ifconfig-noexec
route-noexec
auth-user-pass creds.txt
auth-retry none
explicit-exit-notify 1
verb 3
CONF
openvpn --cd "$work" --config server.conf --daemon
sleep 1
session() {    # user, password, seconds connected
    printf '%s\n%s\n' "$1" "$2" > creds.txt
    timeout "$3" openvpn --cd "$work" --config client.conf --log "client-$1.log" || true
}
session vendor1 wrong-guess 6
session vendor1 correct-horse 5
session vendor2 battery-staple 5
sleep 7    # the server ends each session 5 s after its exit notification
pkill -f "openvpn --cd $work --config server.conf"
sleep 1
{
    echo "# The log of a real OpenVPN server, $(openvpn --version | head -1 | cut -d' ' -f1-2) (Debian's package), written by"
    echo "# scripts/oracles/openvpn_log.sh: a server on 127.0.0.1 and client sessions from 127.0.0.5 (a wrong password;"
    echo "# vendor1 with an address from the pool; vendor2 with a fixed address from a client-config-dir file)."
    cat server.log
} > "$out"
echo "wrote $out ($(wc -l < "$out") lines)" >&2
