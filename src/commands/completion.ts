import { ExitCode } from '../base/exit-codes.js';
import { usageError } from '../base/errors.js';
import { defineCommand } from './command.js';

// Both scripts ask poolctl itself for candidates (`poolctl __complete WORD...`, cli/complete-run.ts),
// so completion always matches the installed version's commands and flags, and offers the pool
// names of the store the command line would use. The answer `:files` means: complete file names.
const BASH = `###-begin-poolctl-completions-###
# poolctl completion for bash. Install: poolctl completion bash > /etc/bash_completion.d/poolctl
_poolctl_completions() {
  local cur out
  cur="\${COMP_WORDS[COMP_CWORD]}"
  out=$(poolctl __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  if [ "$out" = ":files" ]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=( $(compgen -f -- "$cur") )
    return 0
  fi
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$out" -- "$cur") )
  if [ \${#COMPREPLY[@]} -eq 1 ] && [ "\${COMPREPLY[0]%=}" != "\${COMPREPLY[0]}" ]; then
    compopt -o nospace 2>/dev/null
  fi
  return 0
}
complete -o bashdefault -F _poolctl_completions poolctl
###-end-poolctl-completions-###
`;

const ZSH = `#compdef poolctl
###-begin-poolctl-completions-###
# poolctl completion for zsh. Install: poolctl completion zsh > "\${fpath[1]}/_poolctl"
_poolctl() {
  local out
  local -a reply
  out=$(poolctl __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)
  if [[ $out == ":files" ]]; then
    _files
    return
  fi
  reply=("\${(@f)out}")
  compadd -a reply
}
compdef _poolctl poolctl
###-end-poolctl-completions-###
`;

export default defineCommand({
  name: 'completion',
  describe: 'Print a shell completion script (bash or zsh)',
  examples: [
    ['poolctl completion bash > /etc/bash_completion.d/poolctl', 'install bash completion'],
    ['source <(poolctl completion zsh)', 'enable zsh completion in this shell'],
  ],
  positionals: [{ name: 'shell', choices: ['bash', 'zsh'], describe: 'shell (default: from $SHELL, else bash)' }],
  async run(args, ctx) {
    const shell = args.shell ?? (ctx.env.SHELL?.endsWith('zsh') ? 'zsh' : 'bash');
    if (shell !== 'bash' && shell !== 'zsh') throw usageError(`unsupported shell '${shell}'; use bash or zsh`);
    ctx.io.stdout.write(shell === 'zsh' ? ZSH : BASH);
    return ExitCode.OK;
  },
});
