# ~/.bashrc of root on Rabbit: a shell that a program drives over the serial
# console, sending a command line and reading output up to the next prompt.
# ~/.profile sources this file for the login shell.

[ -z "$PS1" ] && return

# Line editing (readline) is off, so the kernel's tty line discipline echoes
# each input line verbatim. Readline would send bracketed-paste escape codes
# and redraw lines longer than the terminal width. Bash stays the shell (not
# dash) so that commands can use pipefail, arrays and $'...' quoting.
# The tty's canonical mode keeps at most 4095 bytes of one input line before
# its newline and drops the rest, so longer commands must be split.
set +o emacs +o vi
# No history expansion, so "!" in a command line stays a literal character.
set +H
unset HISTFILE PROMPT_COMMAND MAILCHECK

# A fixed prompt, the same on every line, that a driver can match.
PS1='rabbit# '
PS2='> '

# Programs that size their output to the terminal (ps, for example) see 1000
# columns, and TERM=dumb with NO_COLOR keeps colour codes out of the output.
stty cols 1000 2>/dev/null
export TERM=dumb NO_COLOR=1 PAGER=cat
