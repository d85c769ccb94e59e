#!/usr/bin/env bash
# A real Redis Cluster on this one machine, from Debian's redis-server, beside the shared Redis
# on 6379 (which it never touches): six nodes (three masters, three replicas: one replica per
# master), each with its own port, cluster bus port (port + 10000), config file and directory.
# No persistence (`--save '' --appendonly no`): the cache is rebuilt from Postgres.
#
#   npm run redis:cluster                 start (or finish starting) the cluster, print the setting
#   npm run redis:cluster -- stop         stop every node and delete the data directory
#   npm run redis:cluster -- status       `redis-cli --cluster check` as seen from node 1
#   npm run redis:cluster -- add-master   start one more node, add it as a master, move slots to it
#   npm run redis:cluster -- nodes        print the setting again
#
# Idempotent: nodes already running are left alone; a cluster that is already whole only gets
# its setting printed again.
#
# Settings (environment):
#   REDIS_CLUSTER_DIR           data, logs, config        (default: <repo>/.run/redis-cluster)
#   REDIS_CLUSTER_PORT          first port                (default: 7001 -> 7001..7006; bus 17001..)
#   REDIS_CLUSTER_SIZE          nodes at creation         (default: 6; with one replica each: 3 masters)
#   REDIS_CLUSTER_REPLICAS      replicas per master       (default: 1)
#   REDIS_CLUSTER_NODE_TIMEOUT  ms before a silent master is failed over (default: 5000)
#   REDIS_CLUSTER_TIMEOUT       seconds to wait for each step (default: 60)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${REDIS_CLUSTER_DIR:-$ROOT/.run/redis-cluster}"
PORT="${REDIS_CLUSTER_PORT:-7001}"
SIZE="${REDIS_CLUSTER_SIZE:-6}"
REPLICAS="${REDIS_CLUSTER_REPLICAS:-1}"
NODE_TIMEOUT="${REDIS_CLUSTER_NODE_TIMEOUT:-5000}"
TIMEOUT="${REDIS_CLUSTER_TIMEOUT:-60}"

log() { echo "redis-cluster: $*" >&2; }
port_of() { echo $((PORT + $1 - 1)); }
node_dir() { echo "$DIR/node$1"; }
cli() { redis-cli -h 127.0.0.1 -p "$(port_of "$1")" "${@:2}"; }
running() { [ "$(cli "$1" ping 2>/dev/null)" = "PONG" ]; }
# Every node ever started here (add-master adds beyond SIZE), one index per line.
known_nodes() { local d; for d in "$DIR"/node*; do [ -d "$d" ] && echo "${d##*/node}"; done | sort -n; }

start_node() {
  local i=$1 d p
  d="$(node_dir "$i")"
  p="$(port_of "$i")"
  if running "$i"; then
    log "node $i (port $p) already running"
    return 0
  fi
  mkdir -p "$d"
  log "starting node $i on port $p (bus $((p + 10000)))"
  redis-server --port "$p" --bind 127.0.0.1 --protected-mode no \
    --cluster-enabled yes --cluster-config-file "$d/nodes.conf" --cluster-node-timeout "$NODE_TIMEOUT" \
    --dir "$d" --save '' --appendonly no \
    --daemonize yes --pidfile "$d/redis.pid" --logfile "$d/redis.log"
}

await_node() {
  local i=$1 deadline=$((SECONDS + TIMEOUT))
  until running "$i"; do
    [ $SECONDS -lt $deadline ] || { log "node $i did not answer PING; see $(node_dir "$i")/redis.log"; exit 1; }
    sleep 0.1
  done
}

# cluster_state:ok on every node, and every node sees the same number of known nodes.
cluster_ok() {
  local i n
  n="$(known_nodes | wc -l)"
  for i in $(known_nodes); do
    cli "$i" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    [ "$(cli "$i" cluster info | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p')" = "$n" ] || return 1
  done
}

await_cluster() {
  local deadline=$((SECONDS + TIMEOUT))
  until cluster_ok; do
    [ $SECONDS -lt $deadline ] || { log "cluster not ok after ${TIMEOUT}s"; cli 1 cluster info >&2 || true; exit 1; }
    sleep 0.2
  done
}

# The setting for core, the worker, the gateways, the benchmarks and the feed rebuild.
print_nodes() {
  local i list=""
  for i in $(known_nodes); do list+="${list:+,}127.0.0.1:$(port_of "$i")"; done
  log "set this for npm start, the worker, the gateways, feeds:rebuild and the benchmarks:"
  echo "REDIS_CLUSTER_NODES=$list"
}

start() {
  local i addrs=()
  mkdir -p "$DIR"
  if [ -z "$(known_nodes)" ]; then
    for ((i = 1; i <= SIZE; i++)); do mkdir -p "$(node_dir "$i")"; done
  fi
  for i in $(known_nodes); do start_node "$i"; done
  for i in $(known_nodes); do await_node "$i"; done
  # A node that already knows its peers (nodes.conf) rejoins by itself; a fresh set is created.
  if [ "$(cli 1 cluster info | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p')" = "1" ]; then
    for i in $(known_nodes); do addrs+=("127.0.0.1:$(port_of "$i")"); done
    log "creating the cluster: ${addrs[*]} with $REPLICAS replica(s) per master"
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$REPLICAS" --cluster-yes >"$DIR/create.log" 2>&1 ||
      { cat "$DIR/create.log" >&2; log "redis-cli --cluster create failed"; exit 1; }
  fi
  await_cluster
  log "$(known_nodes | wc -l) nodes, cluster_state:ok"
  print_nodes
}

stop() {
  local i pid
  for i in $(known_nodes); do
    pid="$(cat "$(node_dir "$i")/redis.pid" 2>/dev/null || true)"
    if running "$i"; then cli "$i" shutdown nosave >/dev/null 2>&1 || true; fi
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      # shutdown normally ends it at once; a node stopped with SIGSTOP would not: make sure.
      sleep 0.2
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$DIR"
  log "stopped; removed $DIR"
}

# One more node as a master: `--cluster add-node`, then `--cluster rebalance` moves slots (and
# their keys, with MIGRATE) from the other masters onto it until every master holds its share.
add_master() {
  local i last
  last="$(known_nodes | tail -1)"
  i=$((last + 1))
  start_node "$i"
  await_node "$i"
  log "adding node $i (port $(port_of "$i")) as a master"
  redis-cli --cluster add-node "127.0.0.1:$(port_of "$i")" "127.0.0.1:$(port_of 1)" >&2
  await_cluster
  log "rebalancing slots onto it"
  redis-cli --cluster rebalance "127.0.0.1:$(port_of 1)" --cluster-use-empty-masters >&2
  await_cluster
  print_nodes
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) redis-cli --cluster check "127.0.0.1:$(port_of 1)" ;;
  add-master) add_master ;;
  nodes) print_nodes ;;
  *) echo "usage: $0 [start|stop|status|add-master|nodes]" >&2; exit 2 ;;
esac
