# scorestream container image (CPU inference).
#
#   docker build -t scorestream:local .
#   docker run --rm scorestream:local help
#   docker run --rm -v "$PWD/my.properties:/app/config/scorestream.properties:ro" -p 9464:9464 scorestream:local
#
# The image also carries the Kafka Connect plugin of the connectors module (the Avro converter and the
# JDBC sink of scores) at /app/connect-plugin/scorestream-connectors/, for a stock Connect worker to load
# through its plugin.path; docker-compose.yml copies it into the worker's plugin volume. The scorestream
# command line does not use that copy (the same classes are on its classpath).
#
# The entry point is the scorestream command line (see `scorestream help`); the default command is
# `run --config /app/config/scorestream.properties`. Every configuration key can also be set with an
# environment variable SCORESTREAM_<KEY> (dots -> underscores, upper case), e.g.
# SCORESTREAM_BOOTSTRAP_SERVERS=broker:9092. Unknown SCORESTREAM_* variables fail the start; JVM options
# go in JAVA_TOOL_OPTIONS (bin/scorestream outside containers reads JAVA_OPTS).
#
# Platform: linux/amd64 only. The onnxruntime_gpu jar carries native libraries for linux-x64 (and
# win-x64) and nothing else; on an arm64 host build and run with --platform linux/amd64.
#
# GPU variant (documented, not built here): the runtime stage needs an NVIDIA CUDA runtime base with
# cuDNN that matches the CUDA 12 build of ONNX Runtime (e.g. nvidia/cuda:12.x-cudnn-runtime-ubuntu22.04,
# CUDA 12 + cuDNN 9), a Java 17 runtime installed on top of it (apt-get install openjdk-17-jre-headless,
# or a Temurin JRE copied from eclipse-temurin:17-jre), the same /app layout, entry point and user as
# below, inference.device=cuda (or auto) in the configuration, and a GPU handed to the container
# (docker run --gpus all, or the device reservation sketched in docker-compose.yml; the host needs the
# NVIDIA Container Toolkit). Without the CUDA/cuDNN libraries, inference.device=auto falls back to the
# CPU with one warning and inference.device=cuda fails at model load.

############################ build ############################
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src

# 1. Poms only, then a build of the (still empty) modules and a dry run of the dependency copy:
#    downloads the dependencies and plugins into a layer that is reused until a pom changes
#    (onnxruntime_gpu alone is ~430 MB). The parent (-N) and each module (-f) are built on their
#    own, so that other modules listed in the parent pom need not be present here. Best effort:
#    whatever this misses, the full build below fetches; the stub outputs are deleted.
COPY pom.xml ./
COPY schemas/pom.xml schemas/
COPY inference-processor/pom.xml inference-processor/
COPY topology/pom.xml topology/
COPY connectors/pom.xml connectors/
COPY testkit/pom.xml testkit/
COPY app/pom.xml app/
RUN mkdir -p schemas/src/main/avro \
 && ( mvn -B -q -N install \
   && mvn -B -q -f schemas/pom.xml -DskipTests install \
   && mvn -B -q -f inference-processor/pom.xml -DskipTests install \
   && mvn -B -q -f topology/pom.xml -DskipTests install \
   && mvn -B -q -f connectors/pom.xml -DskipTests install \
   && mvn -B -q -f testkit/pom.xml -DskipTests install \
   && mvn -B -q -f app/pom.xml -DskipTests install \
   && mvn -B -q -f app/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory=/tmp/prefetch-lib ) \
 || echo "dependency pre-fetch incomplete; the full build below fetches the rest"; \
 rm -rf /tmp/prefetch-lib target */target

# 2. The sources, the real build of the application and the modules it needs (connectors among them,
#    whose package phase assembles the Connect plugin directory), and the application's runtime classpath.
COPY . .
RUN mvn -B -DskipTests install -pl app -am \
 && mvn -B dependency:copy-dependencies -pl app -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp -r app/target/classes /out/classes

############################ runtime ############################
# glibc-based (Ubuntu) JRE: ONNX Runtime's native libraries need glibc, so not an Alpine image.
FROM eclipse-temurin:17-jre

# curl for the health check (the Temurin JRE images do not promise it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 scorestream \
 && useradd --system --uid 10001 --gid scorestream --home-dir /app --shell /usr/sbin/nologin scorestream \
 && mkdir -p /app/config /app/state \
 && chown -R scorestream:scorestream /app/state

WORKDIR /app
COPY --from=build /out/lib /app/lib
COPY --from=build /out/classes /app/classes
# The Kafka Connect plugin (connectors/target/plugin/scorestream-connectors/: our jar and what it needs
# beyond a worker). Read-only, owned by root; a worker reads it from a volume or a copy of its own.
COPY --from=build /src/connectors/target/plugin/scorestream-connectors /app/connect-plugin/scorestream-connectors
# A default configuration (the one docker-compose.yml uses); mount your own over it, or override keys
# with SCORESTREAM_<KEY> environment variables.
COPY deploy/scorestream.properties /app/config/scorestream.properties

# Heap sized from the container's memory limit. ONNX Runtime extracts its native libraries to
# java.io.tmpdir (/tmp), which the non-root user can write.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0"

USER scorestream:scorestream

# /metrics (Prometheus), /healthz, /readyz (metrics.port; metrics.bind.address must be 0.0.0.0).
EXPOSE 9464

# Ready = the model is live and Kafka Streams is running. Meaningful for `run` only; services that
# run other commands from this image (publish-model, produce) should disable it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=4 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:9464/readyz || exit 1

ENTRYPOINT ["java", "-cp", "/app/classes:/app/lib/*", "io.scorestream.app.cli.ScorestreamApp"]
CMD ["run", "--config", "/app/config/scorestream.properties"]
