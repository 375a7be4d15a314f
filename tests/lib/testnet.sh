# SPDX-License-Identifier: BSD-2-Clause
# A two-host test network: namespaces <prefix>-cap and <prefix>-peer joined by a veth pair,
# <prefix>c (capture side, 198.18.0.1/24, 02:00:00:00:00:01) and <prefix>p (peer side,
# 198.18.0.2/24, 02:00:00:00:00:02). Static neighbour entries and IPv6 off, so the only packets
# on the wire are the ones a test sends. Source this file; everything is removed by exact name.
#
#   testnet_up PREFIX [QUEUES]
#                            create (PREFIX: up to 12 characters); QUEUES > 1 gives both ends
#                            that many RX and TX queues (numrxqueues/numtxqueues)
#   testnet_down PREFIX      delete what testnet_up created
#   in_cap PREFIX CMD...     run CMD in the capture namespace
#   in_peer PREFIX CMD...    run CMD in the peer namespace

testnet_up() {
    local p=$1 queues=()
    if [[ ${2:-1} -gt 1 ]]; then queues=(numrxqueues "$2" numtxqueues "$2"); fi
    testnet_down "$p"
    ip netns add "$p-cap" || return 1
    ip netns add "$p-peer" || { testnet_down "$p"; return 1; }
    ip link add "${p}c" netns "$p-cap" address 02:00:00:00:00:01 "${queues[@]}" type veth \
        peer name "${p}p" netns "$p-peer" address 02:00:00:00:00:02 "${queues[@]}" ||
        { testnet_down "$p"; return 1; }
    local side ns dev addr peer_addr peer_mac
    for side in cap peer; do
        if [ "$side" = cap ]; then
            ns="$p-cap" dev="${p}c" addr=198.18.0.1 peer_addr=198.18.0.2 peer_mac=02:00:00:00:00:02
        else
            ns="$p-peer" dev="${p}p" addr=198.18.0.2 peer_addr=198.18.0.1 peer_mac=02:00:00:00:00:01
        fi
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 >/dev/null
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$addr/24" dev "$dev"
        ip -n "$ns" link set "$dev" up
        ip -n "$ns" neigh replace "$peer_addr" lladdr "$peer_mac" dev "$dev" nud permanent
    done
}

testnet_down() {
    local p=$1
    ip netns del "$p-cap" 2>/dev/null || true
    ip netns del "$p-peer" 2>/dev/null || true
    return 0
}

in_cap() { local p=$1; shift; ip netns exec "$p-cap" "$@"; }
in_peer() { local p=$1; shift; ip netns exec "$p-peer" "$@"; }

# wait_capture_socket NS IFNAME [SECONDS]: waits until a packet socket in namespace NS is bound
# to IFNAME and running (the capture is live), as listed in /proc/net/packet. Fails on timeout.
wait_capture_socket() {
    local ns=$1 ifname=$2 seconds=${3:-20} index i
    index=$(ip netns exec "$ns" cat "/sys/class/net/$ifname/ifindex" 2>/dev/null) || return 1
    for ((i = 0; i < seconds * 20; i++)); do
        if ip netns exec "$ns" awk -v idx="$index" \
            'NR > 1 && $5 == idx && $6 == 1 { found = 1 } END { exit !found }' /proc/net/packet; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}
