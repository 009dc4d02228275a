# Asks a real interactive zsh (in a pseudo-terminal, through zsh/zpty) to complete a command line with
# the completion script given, and prints every candidate zsh's completion system offers, one
# "match:CANDIDATE" line each. compadd is wrapped only to record what it adds (it still adds it).
# Usage: zsh -f zsh-complete.zsh SCRIPT 'fpaste pki ' DIR DUMP   (DIR: the working directory; DUMP:
# compinit's cache file, which makes every run after the first much faster). SCRIPT is sourced after
# compinit; fpath:FOLDER instead puts FOLDER first in $fpath before compinit (the autoload install).
zmodload zsh/zpty || exit 3
script=$1 line=$2 dir=$3 dump=$4
zpty sh zsh -f -i
if [[ $script == fpath:* ]]; then
  zpty -w sh "fpath=(${(q)script#fpath:} \$fpath)"
  script=/dev/null
fi
zpty -w sh "cd ${(q)dir}; PS1='' PS2='' RPS1=''; unsetopt zle_bracketed_paste 2>/dev/null; autoload -U compinit; compinit -u -d ${(q)dump}"
zpty -w sh "source ${(q)script}"
zpty -w sh 'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" menu no; zstyle ":completion:*" select-prompt ""; LISTMAX=100000'
zpty -w sh 'compadd() {
  if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi
  local -a __found
  builtin compadd -A __found "$@"
  local __match
  for __match in $__found; do print -r -- $'"'"'\n'"'"'match:$__match >> /dev/tty; done
  builtin compadd "$@"
}'
zpty -w sh 'print -r -- READY''1'
zpty -r sh out '*READY1*' || exit 4
zpty -n -w sh "$line"$'\t'
# Ctrl-U clears what the completion left on the line; the echo marks the end of the output.
zpty -n -w sh $'\x15'"print -r -- DONE''2"$'\n'
zpty -r sh out '*DONE2*' || exit 5
print -r -- ${(F)${(M)${(f)${out//$'\r'/}}:#match:*}}
zpty -d sh
