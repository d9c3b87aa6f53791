#!/usr/bin/env bash
# Writes Tests/Fixtures/vpn/strongswan-5.9-charon.log: the log file of a real strongSwan gateway (Debian's charon,
# `filelog` with `ike_name`), not lines quoted from its source. The gateway listens on 127.0.0.1 (IKEv2, its own
# certificate, users by EAP-MSCHAPv2, a 10.9.0.0/24 pool); charon-cmd connects from the same address (ports
# 5000/5001) three times: vendor1 with a wrong password (the client gives up after the failure), vendor1 with the
# right one (an address from the pool; the client then leaves), and a user the gateway does not know.
# RemoteAccessLogTests reads it. The kernel here has no IPsec: the CHILD_SA fails, the IKE_SA and its address do not.
# Needs root and Debian's strongswan-charon, strongswan-swanctl, charon-cmd, libcharon-extra-plugins,
# libcharon-extauth-plugins and libstrongswan-standard-plugins. Run from anywhere: bash scripts/oracles/strongswan_log.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/Tests/Fixtures/vpn/strongswan-5.9-charon.log"
for t in /usr/lib/ipsec/charon swanctl charon-cmd script openssl; do
    command -v "$t" >/dev/null || [ -x "$t" ] || { echo "$t is missing (see this script's header)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'pkill -f "^/usr/lib/ipsec/charon" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
source "$repo/scripts/oracles/gateway_pki.sh"
gateway_pki gw vpn.plant.example "subjectAltName=DNS:vpn.plant.example,IP:127.0.0.1\nextendedKeyUsage=serverAuth"
cat > strongswan.conf <<CONF
charon {
  install_routes = no
  install_virtual_ip = no
  filelog {
    gw {
      path = $work/charon.log
      time_format = %b %e %T
      ike_name = yes
      append = no
      default = 1
      flush_line = yes
    }
  }
  syslog {
    daemon { default = -1 }
    auth { default = -1 }
  }
  plugins {
    vici { socket = unix://$work/charon.vici }
  }
}
charon-cmd {
  port = 5000
  port_nat_t = 5001
  install_routes = no
  install_virtual_ip = no
  filelog { cl { path = $work/client.log
                 default = 1 } }
}
CONF
mkdir -p swanctl/x509 swanctl/private swanctl/x509ca
cp gw.crt swanctl/x509/ && cp gw.key swanctl/private/ && cp ca.crt swanctl/x509ca/
cat > swanctl/swanctl.conf <<'CONF'
connections {
  rw {
    version = 2
    local_addrs = 127.0.0.1
    pools = vendors
    send_certreq = no
    local { auth = pubkey
            certs = gw.crt
            id = vpn.plant.example }
    remote { auth = eap-mschapv2
             eap_id = %any }
    children { net { local_ts = 10.1.0.0/16 } }
  }
}
pools { vendors { addrs = 10.9.0.0/24 } }
secrets {
  eap-vendor1 { id = vendor1
                secret = "correct-horse" }
}
CONF
export STRONGSWAN_CONF="$work/strongswan.conf"
/usr/lib/ipsec/charon > charon.out 2>&1 &
sleep 2
(cd swanctl && swanctl --load-all --uri "unix://$work/charon.vici" --file "$work/swanctl/swanctl.conf" >/dev/null 2>&1)
session() {    # user, password: charon-cmd asks for the EAP password on its terminal
    (sleep 3; printf '%s\n' "$2"; sleep 6) \
        | timeout -s INT 8 script -qfec "charon-cmd --host 127.0.0.1 --identity $1 --profile ikev2-eap --cert $work/ca.crt --remote-identity vpn.plant.example" /dev/null \
        > "cmd-$1-$2.out" 2>&1 || true
}
session vendor1 wrong-guess
session vendor1 correct-horse
session park park-pass
sleep 2
pkill -f "^/usr/lib/ipsec/charon"
sleep 1
{
    echo "# The log file of a real strongSwan gateway, $(/usr/lib/ipsec/charon --version 2>/dev/null | head -1 || echo charon)"
    echo "# (Debian's charon, filelog with ike_name), written by scripts/oracles/strongswan_log.sh: vendor1 with a wrong"
    echo "# password, vendor1 with the right one, an unknown user (park), each from charon-cmd on 127.0.0.1."
    cat charon.log
} > "$out"
echo "wrote $out ($(wc -l < "$out") lines)" >&2
