import { ExitCode } from '../base/exit-codes.js';
import { usageError } from '../base/errors.js';
import { defineCommand } from './command.js';

// Both scripts ask poolctl itself for candidates (yargs' --get-yargs-completions), so
// completion always matches the installed version's commands and flags.
const BASH = `###-begin-poolctl-completions-###
# poolctl completion for bash. Install: poolctl completion bash > /etc/bash_completion.d/poolctl
_poolctl_completions() {
  local cur_word args type_list
  cur_word="\${COMP_WORDS[COMP_CWORD]}"
  args=("\${COMP_WORDS[@]}")
  type_list=$(poolctl --get-yargs-completions "\${args[@]:1}" 2>/dev/null)
  COMPREPLY=( $(compgen -W "\${type_list}" -- "\${cur_word}") )
  if [ \${#COMPREPLY[@]} -eq 0 ]; then
    COMPREPLY=()
  fi
  return 0
}
complete -o bashdefault -o default -F _poolctl_completions poolctl
###-end-poolctl-completions-###
`;

const ZSH = `#compdef poolctl
###-begin-poolctl-completions-###
# poolctl completion for zsh. Install: poolctl completion zsh > "\${fpath[1]}/_poolctl"
_poolctl_yargs_completions() {
  local reply
  local si=$IFS
  IFS=$'\\n' reply=($(COMP_CWORD="$((CURRENT-1))" COMP_LINE="$BUFFER" COMP_POINT="$CURSOR" poolctl --get-yargs-completions "\${words[@]:1}" 2>/dev/null))
  IFS=$si
  _describe 'values' reply
}
compdef _poolctl_yargs_completions poolctl
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
