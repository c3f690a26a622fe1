# Sourced by .ci/run: (re)starts PgBouncer in transaction mode in front of the local PostgreSQL,
# for the tests that prove the driver settings of D8. Needs MAINTAINPRO_DATABASE__APP_PASSWORD.
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6543}
bouncer_dir=/run/maintainpro-pgbouncer
mkdir -p "$bouncer_dir"
chown postgres:postgres "$bouncer_dir"
chmod 700 "$bouncer_dir"
if [ -s "$bouncer_dir/pgbouncer.pid" ]; then
  kill "$(cat "$bouncer_dir/pgbouncer.pid")" 2>/dev/null || true
  for _ in $(seq 1 20); do [ -e "$bouncer_dir/pgbouncer.pid" ] || break; sleep 0.2; done
fi
printf '"maintainpro_app" "%s"\n' "$MAINTAINPRO_DATABASE__APP_PASSWORD" > "$bouncer_dir/userlist.txt"
cat > "$bouncer_dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${PGBOUNCER_PORT}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${bouncer_dir}/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
pidfile = ${bouncer_dir}/pgbouncer.pid
logfile = ${bouncer_dir}/pgbouncer.log
INI
chown postgres:postgres "$bouncer_dir"/*
chmod 600 "$bouncer_dir"/*
runuser -u postgres -- pgbouncer -d "$bouncer_dir/pgbouncer.ini"
for _ in $(seq 1 30); do
  (echo > "/dev/tcp/127.0.0.1/${PGBOUNCER_PORT}") 2>/dev/null && break
  sleep 0.2
done
