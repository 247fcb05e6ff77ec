# bash completion for xpubench (installed to share/bash-completion/completions/xpubench).
# Subcommands, then each subcommand's options as its --help lists them, the built-in suites after
# --suite, and file names elsewhere.
_xpubench() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} sub="" w
  for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case $w in probe|run|compare|ab|report|history|suite) sub=$w; break ;; esac
  done
  case $prev in
    --suite|-s)
      COMPREPLY=($(compgen -W "quick standard ci llm llm-quick deepbench" -- "$cur") $(compgen -f -- "$cur"))
      return ;;
    --format)
      COMPREPLY=($(compgen -W "text json csv md html" -- "$cur"))
      return ;;
  esac
  if [[ -z $sub ]]; then
    COMPREPLY=($(compgen -W "probe run compare ab report history suite --help --version" -- "$cur"))
  elif [[ $sub == suite && $prev == suite ]]; then
    COMPREPLY=($(compgen -W "from-model show" -- "$cur"))
  elif [[ $sub == history && $prev == history ]]; then
    COMPREPLY=($(compgen -W "add list show export check report --db" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "$sub" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _xpubench xpubench
