# shellcheck shell=bash
# Elasticsearch: the integ-test-zip distribution from Maven Central (it ships no JDK), one node,
# security off. The zip carries only a few modules (see README.md for what that leaves out); the
# caas-analysis plugin, compiled here from elasticsearch-plugin/, puts back the English analysis.

ELASTICSEARCH_PORT=$((9200 + PORT_OFFSET))
ELASTICSEARCH_TRANSPORT_PORT=$((9300 + PORT_OFFSET))

# 9.x needs Java 21+; 8.19 runs on the machine's Java 17. The newest line the machine's JDKs allow wins.
elasticsearch_pick() {
  if ES_JAVA="$(java_home_at_least 21)"; then
    ES_VERSION="${CAAS_ELASTICSEARCH_VERSION:-9.2.0}"
  elif ES_JAVA="$(java_home_at_least 17)"; then
    ES_VERSION="${CAAS_ELASTICSEARCH_VERSION:-8.19.21}"
  else
    die "elasticsearch: needs a JDK 17 or newer"
  fi
  ES_HOME="$CACHE_DIR/elasticsearch-$ES_VERSION"
}

elasticsearch_install() {
  elasticsearch_pick
  ensure_command unzip unzip
  ensure_command curl curl
  [[ "$(id -u)" == 0 ]] && ensure_engine_user
  [[ -f "$ES_HOME/.complete" ]] || elasticsearch_fetch
  elasticsearch_build_plugin
}

elasticsearch_fetch() {
  ensure_command mvn maven
  log "elasticsearch: fetching the $ES_VERSION integ-test-zip with Maven"
  local download="$CACHE_DIR/downloads"
  mkdir -p "$download"
  mvn_locked dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$download" || die "elasticsearch: Maven could not fetch the distribution"
  rm -rf "$ES_HOME" "$ES_HOME.unpack"
  mkdir -p "$ES_HOME.unpack"
  unzip -q "$download/elasticsearch-$ES_VERSION.zip" -d "$ES_HOME.unpack"
  mv "$ES_HOME.unpack/elasticsearch-$ES_VERSION" "$ES_HOME"
  rm -rf "$ES_HOME.unpack" "$download/elasticsearch-$ES_VERSION.zip"
  touch "$ES_HOME/.complete"
}

# Compiles the plugin against the distribution's own jars; rebuilt whenever its source changes.
elasticsearch_build_plugin() {
  local source="$ENGINES_DIR/elasticsearch-plugin/CaasAnalysisPlugin.java"
  local plugin="$ES_HOME/plugins/caas-analysis" marker="$ES_HOME/.caas-analysis.sha256" sum work
  sum="$(sha256sum "$source" | cut -d' ' -f1)"
  [[ -f "$marker" && "$(cat "$marker")" == "$sum" && -d "$plugin" ]] && return 0
  [[ -x "$ES_JAVA/bin/javac" ]] || die "elasticsearch: $ES_JAVA has no javac to build the caas-analysis plugin"
  log "elasticsearch: building the caas-analysis plugin"
  work="$(mktemp -d)"
  "$ES_JAVA/bin/javac" --release 17 -nowarn -cp "$ES_HOME/lib/*" -d "$work/classes" "$source" ||
    die "elasticsearch: compiling the caas-analysis plugin failed"
  rm -rf "$plugin"
  mkdir -p "$plugin"
  "$ES_JAVA/bin/jar" --create --file "$plugin/caas-analysis.jar" -C "$work/classes" .
  cat >"$plugin/plugin-descriptor.properties" <<PROPS
description=English analysis (english analyzer, asciifolding, stemmers, edge_ngram) standing in for analysis-common
version=1.0.0
name=caas-analysis
classname=local.caas.engines.CaasAnalysisPlugin
java.version=17
elasticsearch.version=$ES_VERSION
PROPS
  rm -rf "$work"
  echo "$sum" >"$marker"
}

elasticsearch_write_config() {
  local dir="$1"
  cp -r "$ES_HOME/config" "$dir/config"
  cat >"$dir/config/elasticsearch.yml" <<YML
cluster.name: caas-engines
node.name: caas-engines-1
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $ELASTICSEARCH_PORT
transport.port: $ELASTICSEARCH_TRANSPORT_PORT
discovery.type: single-node
xpack.security.enabled: false
# Test machines often have little free disk; never let the watermarks turn indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
YML
  printf -- '-Xms512m\n-Xmx512m\n' >"$dir/config/jvm.options.d/heap.options"
}

elasticsearch_start() {
  elasticsearch_pick
  local dir="$STATE_DIR/elasticsearch"
  mkdir -p "$dir/data" "$dir/logs" "$dir/tmp"
  # Elasticsearch refuses to run as root, and the account it runs as cannot read $HOME/.cache when
  # $HOME is private: it runs from a hard-linked copy of the distribution (free, and plain copy
  # when the state dir is on another file system).
  cp -al "$ES_HOME" "$dir/home" 2>/dev/null || cp -r "$ES_HOME" "$dir/home"
  elasticsearch_write_config "$dir"
  elasticsearch_launch
}

# Runs the node on the copy, config and data elasticsearch_start made (start.sh: a restart keeping
# the data).
elasticsearch_launch() {
  require_free_port elasticsearch "$ELASTICSEARCH_PORT"
  require_free_port elasticsearch "$ELASTICSEARCH_TRANSPORT_PORT"
  elasticsearch_pick
  local dir="$STATE_DIR/elasticsearch" as_user=()
  if [[ "$(id -u)" == 0 ]]; then
    chown -R "$ENGINE_USER:" "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
    as_user=(setpriv --reuid="$ENGINE_USER" --regid="$ENGINE_USER" --clear-groups)
  fi
  # The JVM writes gc.log and heap dumps to its working directory.
  (cd "$dir/logs" && start_daemon elasticsearch "${as_user[@]}" env ES_JAVA_HOME="$ES_JAVA" \
    ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" "$dir/home/bin/elasticsearch")
}

elasticsearch_ready() {
  curl -sf "http://127.0.0.1:$ELASTICSEARCH_PORT/_cluster/health?wait_for_status=yellow&timeout=1s"
}

elasticsearch_await() {
  elasticsearch_pick
  await elasticsearch 180 elasticsearch_ready || return 1
  record_engine elasticsearch "$ES_VERSION" "127.0.0.1:$ELASTICSEARCH_PORT"
  env_add "ELASTICSEARCH_URL=http://127.0.0.1:$ELASTICSEARCH_PORT"
}
