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
