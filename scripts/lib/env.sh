# Shared by the launcher and the scripts: finds JDK 25 and installs missing Debian packages.
# Source it; it defines functions and exports nothing until they are called.

# Sets JAVA_HOME to a JDK 25 or newer: $JAVA_HOME if it qualifies, else one under /usr/lib/jvm.
framegate_select_jdk() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/*-25-* /usr/lib/jvm/*25*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java.specification.version = //p')
    if [ -n "$version" ] && [ "${version%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "framegate: needs a JDK 25 (none found in \$JAVA_HOME or /usr/lib/jvm); install Temurin 25 and set JAVA_HOME" >&2
  return 1
}

# Installs the named Debian packages that are missing (as root, or through sudo).
framegate_ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "framegate: missing packages ${missing[*]}: install them with apt-get" >&2
      return 1
    }
    as_root=(sudo)
  fi
  echo "framegate: installing ${missing[*]}" >&2
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints the JVM flags that run framegate with TornadoVM, one per line, when TORNADOVM_HOME names
# a TornadoVM SDK; prints nothing otherwise. Use: mapfile -t flags < <(framegate_tornado_flags)
# Call framegate_select_jdk first: the SDK's launcher needs JAVA_HOME.
# The SDK's own flags (module path, JVMCI exports, native library path) come from its argfile, or
# from `tornado --printJavaFlags` in SDKs without one; ours follow so that they win: TornadoVM
# treats io.framegate's @Parallel as its own, a kernel that fails to JIT is an error instead of a
# silent run on the host, and a whole network fits in one task graph's bytecode buffer.
framegate_tornado_flags() {
  [ -n "${TORNADOVM_HOME:-}" ] || return 0
  if [ -f "$TORNADOVM_HOME/tornado-argfile" ]; then
    echo "@$TORNADOVM_HOME/tornado-argfile"
  elif [ -x "$TORNADOVM_HOME/bin/tornado" ]; then
    # the first word printed is the java launcher itself
    "$TORNADOVM_HOME/bin/tornado" --printJavaFlags 2>/dev/null | tail -n 1 | tr -s ' ' '\n' | tail -n +2 | sed '/^$/d'
  else
    echo "framegate: TORNADOVM_HOME=$TORNADOVM_HOME is not a TornadoVM SDK (no tornado-argfile, no bin/tornado)" >&2
    return 1
  fi
  echo "-Dtornado.load.annotation.parallel=io.framegate.accelerator.kernel.Parallel"
  echo "-Dtornado.recover.bailout=False"
  echo "-Dtornado.tvm.maxbytecodesize=262144"
}

# Prints the JVM's heap flags, one a line, for every launcher of the engine:
# - ParallelGC with fixed generation sizes: with the adaptive policy, a model whose outputs are
#   megabytes (a fresh array per run) ran at half speed, its runs bimodal (docs/PERFORMANCE.md);
# - transparent huge pages for the heap when the kernel hands them out on request (mode
#   [madvise]); nothing in mode [always] (the heap gets them anyway) or [never] (the JVM would
#   warn at every start). The engine's activations and packed weights are megabytes each: with
#   4 KiB pages a network walks thousands of them per inference, and docs/PERFORMANCE.md measures
#   the difference. FRAMEGATE_JAVA_OPTS=-XX:-UseTransparentHugePages turns it off again.
framegate_heap_flags() {
  echo "-XX:+UseParallelGC"
  echo "-XX:-UseAdaptiveSizePolicy"
  grep -qs '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled &&
    echo "-XX:+UseTransparentHugePages"
  return 0
}
