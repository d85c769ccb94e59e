#!/usr/bin/env bash
# Makes sure Postgres, Redis and RabbitMQ answer on their local ports, starting each one
# with this machine's own command if it is installed but stopped. Exits non-zero, saying
# what to run, when a service is missing or will not come up.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name port seconds
  local i
  for ((i = 0; i < $3 * 2; i++)); do port_open "$2" && return 0; sleep 0.5; done
  echo "services: $1 did not come up on port $2 within $3 s" >&2
  return 1
}

ensure_postgres() {
  port_open 5432 && return 0
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "services: starting Postgres"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    wait_for Postgres 5432 30
  else
    echo "services: Postgres is not running on 127.0.0.1:5432 and is not installed here; install PostgreSQL 15+ (apt-get install postgresql) with trust auth for 127.0.0.1" >&2
    return 1
  fi
}

ensure_redis() {
  port_open 6379 && return 0
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis 6379 15
  else
    echo "services: Redis is not running on 127.0.0.1:6379 and is not installed; apt-get install redis-server" >&2
    return 1
  fi
}

ensure_rabbitmq() {
  port_open 5672 && return 0
  if command -v rabbitmq-server >/dev/null; then
    echo "services: starting RabbitMQ"
    rabbitmq-server -detached
    wait_for RabbitMQ 5672 90
  else
    echo "services: RabbitMQ is not running on 127.0.0.1:5672 and is not installed; apt-get install rabbitmq-server" >&2
    return 1
  fi
}

status=0
ensure_postgres || status=1
ensure_redis || status=1
ensure_rabbitmq || status=1
exit $status
