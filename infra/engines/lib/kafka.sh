# shellcheck shell=bash
# Kafka: one KRaft node acting as broker and controller, from the Maven Central jars.
# kafkajs 2.2.4 works against 4.x (see README for what was exercised), so no 3.x fallback is needed.

KAFKA_VERSION="${CAAS_KAFKA_VERSION:-4.4.0}"
# Kafka's jars log through slf4j 1.7; this binding sends that to the log4j-core Kafka already pulls in.
KAFKA_LOG4J_VERSION="${CAAS_KAFKA_LOG4J_VERSION:-2.25.5}"
KAFKA_PORT=$((9092 + PORT_OFFSET))
KAFKA_CONTROLLER_PORT=$((9093 + PORT_OFFSET))
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_JVM=(-cp "$KAFKA_HOME/libs/*" "-Dlog4j2.configurationFile=$STATE_DIR/kafka/log4j2.properties")

kafka_java() {
  local home
  home="$(java_home_at_least 17)" || die "kafka: needs a JDK 17 or newer"
  echo "$home/bin/java"
}

kafka_install() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  ensure_command mvn maven
  log "kafka: fetching kafka_2.13:$KAFKA_VERSION and its runtime dependencies with Maven"
  rm -rf "$KAFKA_HOME/libs"
  write_fetch_pom "$KAFKA_HOME" "
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>"
  mvn_locked -f "$KAFKA_HOME/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" || die "kafka: Maven could not fetch the jars"
  touch "$KAFKA_HOME/.complete"
}

kafka_write_config() {
  local dir="$1"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=true
# A single node: every internal topic gets one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests join consumer groups constantly; the default 3 s delay would only slow them down.
group.initial.rebalance.delay.ms=0
PROPS
  cat >"$dir/log4j2.properties" <<'PROPS'
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
PROPS
}

# A Kafka cluster id is 16 random bytes in unpadded URL-safe base64. One starting with '-' (one run
# in 64) reads as an option to the storage tool, so its first character is made a letter then.
kafka_cluster_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | sed 's/^-/A/'; }

kafka_start() {
  require_free_port kafka "$KAFKA_PORT"
  require_free_port kafka "$KAFKA_CONTROLLER_PORT"
  local dir="$STATE_DIR/kafka"
  mkdir -p "$dir"
  kafka_write_config "$dir"
  "$(kafka_java)" "${KAFKA_JVM[@]}" kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$dir/server.properties" \
    >"$LOG_DIR/kafka-format.log" 2>&1 || { print_log_tail "$LOG_DIR/kafka-format.log"; die "kafka: formatting the storage failed"; }
  kafka_launch
}

# Runs the broker on the storage and config kafka_start made (start.sh: a restart keeping the data;
# formatting a formatted storage again is refused).
kafka_launch() {
  require_free_port kafka "$KAFKA_PORT"
  require_free_port kafka "$KAFKA_CONTROLLER_PORT"
  start_daemon kafka "$(kafka_java)" -Xms256m -Xmx512m "${KAFKA_JVM[@]}" kafka.Kafka "$STATE_DIR/kafka/server.properties"
}

# "Kafka Server started" is logged once the broker is unfenced and its listeners accept requests.
kafka_ready() {
  grep -q 'Kafka Server started' "$LOG_DIR/kafka.log" && port_is_open "$KAFKA_PORT"
}

kafka_await() {
  await kafka 120 kafka_ready || return 1
  record_engine kafka "$KAFKA_VERSION" "127.0.0.1:$KAFKA_PORT"
  env_add "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
}
