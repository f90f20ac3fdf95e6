# shellcheck shell=bash
# Sourced by serve.sh, monitor.sh and install.sh: export the settings of monitor.env (KEY=value lines, no
# quotes, # comments) that the environment does not already set. Usage: load_monitor_env FILE
load_monitor_env() {
  local file="$1" line key value
  [ -f "$file" ] || return 0
  if [ ! -r "$file" ]; then
    echo "warning: $file is not readable by $(id -un); its settings are not used" \
         "/ 警告：当前用户无权读取 $file，其中的配置未生效" >&2
    return 0
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in ''|'#'*) continue ;; esac
    key="${line%%=*}"; value="${line#*=}"
    [ -z "${!key+x}" ] && export "$key=$value"
  done < "$file"
  return 0
}
