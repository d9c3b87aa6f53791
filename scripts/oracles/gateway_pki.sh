# Sourced by the gateway log oracles (openvpn_log.sh, strongswan_log.sh): a throwaway certificate authority and a
# server certificate it signs, in the current folder.
#   gateway_pki NAME CN EXTENSIONS   → ca.key, ca.crt, NAME.key, NAME.crt (EXTENSIONS: openssl x509 -extfile lines)
gateway_pki() {
    local name=$1 cn=$2 extensions=$3
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 30 \
        -subj "/CN=Plant VPN CA" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" -out "$name.csr" \
        -subj "/CN=$cn" 2>/dev/null
    printf '%b\n' "$extensions" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" -days 30 \
        -extfile "$name.ext" 2>/dev/null
}
