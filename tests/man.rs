//! The man pages in `man/`, generated from the clap definition, kept in sync like the
//! completions: `UPDATE_MAN=1 cargo test man` regenerates them.

use std::collections::BTreeSet;

use clap::CommandFactory;

use crate::util::repo;

// The CLI's own definition, compiled into this test: the binary does not carry clap_mangen.
#[allow(dead_code)]
#[path = "../src/cli.rs"]
mod cli;

/// Every page: `hostcap.1` and one per subcommand, as (file name, roff).
fn pages() -> Vec<(String, String)> {
    let mut command = cli::Cli::command()
        // The commit changes with every commit; a man page names the release.
        .long_version(None)
        .disable_help_subcommand(true);
    command.build();
    let subcommands = command
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned();
    std::iter::once(command.clone())
        .chain(subcommands)
        .map(|page| {
            let man = clap_mangen::Man::new(page);
            let mut roff = Vec::new();
            man.render(&mut roff).unwrap();
            (man.get_filename(), String::from_utf8(roff).unwrap())
        })
        .collect()
}

#[test]
fn man_pages_in_the_repo_are_current() {
    let dir = repo().join("man");
    let pages = pages();
    for (file, roff) in &pages {
        let path = dir.join(file);
        if std::env::var_os("UPDATE_MAN").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, roff).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == *roff,
            "{} is stale: run UPDATE_MAN=1 cargo test man",
            path.display()
        );
    }
    let generated: BTreeSet<&str> = pages.iter().map(|(file, _)| file.as_str()).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name();
        let name = name.to_string_lossy();
        assert!(
            generated.contains(name.as_ref()),
            "man/{name} documents no command: remove it"
        );
    }
}

#[test]
fn the_main_page_documents_the_exit_codes_and_every_subcommand() {
    let pages = pages();
    let (_, main) = pages.iter().find(|(file, _)| file == "hostcap.1").unwrap();
    assert!(main.contains("64 bad usage"), "{main}");
    for subcommand in ["check", "explain", "list", "bundle", "completions"] {
        assert!(
            main.contains(&format!("hostcap\\-{subcommand}(1)")),
            "{subcommand}"
        );
    }
}
