//! When `peers` colours its output: `--color auto|always|never`, `NO_COLOR`, `TERM=dumb`, and
//! whether the stream is a terminal. Colour never goes to a pipe, a file or `--json` output.

use std::io::IsTerminal;

/// The `--color` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always colour (even with `NO_COLOR`: the flag is the more explicit request).
    Always,
    /// Never colour.
    Never,
}

/// What a stream supports: colour, and redrawing a line in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub color: bool,
    /// A terminal that understands `\r` + clear-line: the live line is redrawn in place.
    pub live: bool,
}

impl Terminal {
    /// Plain text: no colour, no redrawing.
    #[cfg(test)]
    pub const PLAIN: Terminal = Terminal {
        color: false,
        live: false,
    };

    pub fn stderr(choice: ColorChoice) -> Terminal {
        Self::decide(choice, std::io::stderr().is_terminal(), &env_lookup)
    }

    pub fn stdout(choice: ColorChoice) -> Terminal {
        Self::decide(choice, std::io::stdout().is_terminal(), &env_lookup)
    }

    /// The rule, with the environment passed in (for tests).
    pub fn decide(
        choice: ColorChoice,
        is_terminal: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Terminal {
        let dumb = env("TERM").is_some_and(|term| term == "dumb");
        let live = is_terminal && !dumb;
        let no_color = env("NO_COLOR").is_some_and(|value| !value.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => live && !no_color,
        };
        Terminal { color, live }
    }

    /// `text` in `style` when colour is on, else `text` unchanged.
    pub fn paint(self, style: Style, text: &str) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_owned()
        }
    }
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Good,
    Bad,
    Warn,
    Dim,
    Bold,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Self::Good => "32",
            Self::Bad => "31",
            Self::Warn => "33",
            Self::Dim => "2",
            Self::Bold => "1",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn auto_colours_only_a_real_terminal_without_no_color() {
        let plain = env(&[]);
        assert!(Terminal::decide(ColorChoice::Auto, true, &plain).color);
        assert!(!Terminal::decide(ColorChoice::Auto, false, &plain).color);
        let no_color = env(&[("NO_COLOR", "1")]);
        let decided = Terminal::decide(ColorChoice::Auto, true, &no_color);
        assert!(
            !decided.color && decided.live,
            "NO_COLOR keeps the live line"
        );
        let empty = env(&[("NO_COLOR", "")]);
        assert!(Terminal::decide(ColorChoice::Auto, true, &empty).color);
        let dumb = env(&[("TERM", "dumb")]);
        assert_eq!(
            Terminal::decide(ColorChoice::Auto, true, &dumb),
            Terminal::PLAIN
        );
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let no_color = env(&[("NO_COLOR", "1")]);
        assert!(Terminal::decide(ColorChoice::Always, false, &no_color).color);
        assert!(!Terminal::decide(ColorChoice::Never, true, &env(&[])).color);
        assert_eq!(Terminal::PLAIN.paint(Style::Bad, "x"), "x");
    }
}
