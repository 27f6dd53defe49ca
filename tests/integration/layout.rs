//! The layout's rules, checked on the source itself: every `use` and path
//! of `src/` (the library) is read, resolved to the module it names, and
//! the module graph must follow the layers of ARCHITECTURE.md, have no
//! import circle, and keep files and functions a reader can hold in mind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom: a module may import only from its own
/// top-level module or from a lower layer. A new top-level module must be
/// placed here (and in ARCHITECTURE.md).
const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("model", 0),
    ("settings", 0),
    ("threads", 1),
    ("calendar", 1),
    ("outcome", 2),
    ("scoring", 3),
    ("solvers", 4),
    ("explain", 5),
    ("pipeline", 6),
    ("wire", 7),
    ("api", 8),
    ("store", 8),
    ("formats", 8),
    ("tools", 9),
    ("service", 9),
];

/// Longest hand-written file, in lines.
const MAX_FILE_LINES: usize = 700;
/// Longest function, in lines.
const MAX_FN_LINES: usize = 120;

type Module = Vec<String>;

/// Every source file of `src/` with its module path; `library` leaves out
/// the binary's `main.rs` and `cli/`.
fn source_files(library: bool) -> Vec<(PathBuf, Module)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src readable")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).expect("under src").to_path_buf();
            let parts: Vec<String> = rel
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if library && (parts[0] == "main.rs" || parts[0] == "cli") {
                return None;
            }
            let mut module: Module = parts.clone();
            let last = module.pop().expect("a file");
            match last.as_str() {
                "lib.rs" | "mod.rs" => {}
                f => module.push(f.trim_end_matches(".rs").to_string()),
            }
            Some((p, module))
        })
        .collect()
}

/// The source without comments, string and char literals.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    if b[i] == b'\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'\n') {
                        out.push('\n');
                    }
                    i += 1;
                }
                out.push_str("\"\"");
                i += 1;
            }
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                // An escaped char literal ('\n', '\''): skip to its closing quote.
                let close = b[i + 3..].iter().position(|&c| c == b'\'');
                out.push_str("' '");
                i = close.map_or(b.len(), |k| i + 3 + k + 1);
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => {
                // A char literal ('x'); lifetimes have no closing quote.
                out.push_str("' '");
                i += 3;
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// Expands a use tree (`crate::a::{b, c::{d as e}}`) into its paths,
/// aliases dropped.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        return vec![path.split_whitespace().collect()];
    };
    let prefix: String = tree[..open].split_whitespace().collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The source without its inline test modules (`#[cfg(test)] mod x { … }`),
/// which may import anything of the module they test.
fn without_test_modules(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    while let Some(k) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..k]);
        let after = rest[k + "#[cfg(test)]".len()..].trim_start();
        if !after.starts_with("mod ") {
            out.push_str("#[cfg(test)]");
            rest = &rest[k + "#[cfg(test)]".len()..];
            continue;
        }
        let Some(open) = after.find('{') else {
            rest = after;
            continue;
        };
        let mut depth = 0;
        let mut end = after.len();
        for (i, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Every path of the stripped source: all `use` trees, and the inline
/// paths that start with `crate`, `super`, `self` or a name followed by
/// `::` (a child module, resolved later).
fn paths(src: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(k) = rest.find("use ") {
        let before = rest[..k].chars().last();
        rest = &rest[k + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(end) = rest.find(';') {
            out.extend(expand(&rest[..end]).into_iter().map(|p| (true, p)));
        }
    }
    let words = src.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
    for w in words {
        let w = w.trim_matches(':');
        if w.contains("::") && !w.starts_with(char::is_uppercase) {
            out.push((false, w.to_string()));
        }
    }
    out
}

/// The library's modules, their sources (stripped, test modules out) and
/// the items each module re-exports (`pub use` and `pub(crate) use`):
/// (module, item) → the re-exported path.
struct Tree {
    sources: Vec<(Module, String)>,
    modules: BTreeSet<Module>,
    reexports: BTreeMap<(Module, String), String>,
}

impl Tree {
    fn new(sources: Vec<(Module, String)>) -> Self {
        let sources: Vec<(Module, String)> = sources
            .into_iter()
            .map(|(m, s)| (m, without_test_modules(&strip(&s))))
            .collect();
        let modules = sources.iter().map(|(m, _)| m.clone()).collect();
        let mut reexports = BTreeMap::new();
        for (m, src) in &sources {
            for line in src.split(';') {
                let t = line.trim();
                let Some(tree) = t
                    .strip_prefix("pub use ")
                    .or_else(|| t.strip_prefix("pub(crate) use "))
                else {
                    continue;
                };
                for p in expand(tree) {
                    let item = p.rsplit("::").next().unwrap_or(&p).to_string();
                    reexports.insert((m.clone(), item), p);
                }
            }
        }
        Tree {
            sources,
            modules,
            reexports,
        }
    }

    fn read() -> Self {
        Tree::new(
            source_files(true)
                .into_iter()
                .map(|(p, m)| (m, std::fs::read_to_string(p).expect("readable")))
                .collect(),
        )
    }

    /// The module a path names, written in module `here`; `None` for paths
    /// outside the crate. `is_use` says whether it is a `use` path (where a
    /// first segment may also be an extern crate).
    fn resolve(&self, path: &str, here: &Module, depth: usize) -> Option<Module> {
        let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let (mut base, rest): (Module, &[&str]) = match segs.first().copied()? {
            "crate" => (Vec::new(), &segs[1..]),
            "self" => (here.clone(), &segs[1..]),
            "super" => {
                let mut b = here.clone();
                b.pop();
                (b, &segs[1..])
            }
            first => {
                let mut child = here.clone();
                child.push(first.to_string());
                if !self.modules.contains(&child) {
                    return None; // an extern crate, a type or a local item
                }
                (here.clone(), &segs[..])
            }
        };
        for (i, s) in rest.iter().enumerate() {
            if *s == "super" {
                base.pop();
                continue;
            }
            let mut next = base.clone();
            next.push(s.to_string());
            if self.modules.contains(&next) {
                base = next;
                continue;
            }
            // An item: follow a re-export to where it is defined.
            if depth < 8 {
                if let Some(target) = self.reexports.get(&(base.clone(), s.to_string())) {
                    let mut full = target.clone();
                    for r in &rest[i + 1..] {
                        full.push_str("::");
                        full.push_str(r);
                    }
                    return self.resolve(&full, &base, depth + 1).or(Some(base));
                }
            }
            break;
        }
        Some(base)
    }

    /// The module graph: module → modules it imports.
    fn graph(&self) -> BTreeMap<Module, BTreeSet<Module>> {
        let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (here, src) in &self.sources {
            let deps = g.entry(here.clone()).or_default();
            for (_, p) in paths(src) {
                if let Some(t) = self.resolve(&p, here, 0) {
                    if !t.is_empty() && t != *here {
                        deps.insert(t);
                    }
                }
            }
        }
        g
    }
}

/// The library's module graph.
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    Tree::read().graph()
}

/// Imports against [`LAYERS`] in a graph.
fn layer_violations(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    let rank: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let mut bad = Vec::new();
    for (from, deps) in g {
        if from.is_empty() {
            continue;
        }
        let Some(&r_from) = rank.get(from[0].as_str()) else {
            bad.push(format!("{} is not in LAYERS", from[0]));
            continue;
        };
        for to in deps {
            if to[0] == from[0] {
                continue;
            }
            match rank.get(to[0].as_str()) {
                Some(&r_to) if r_to < r_from => {}
                _ => bad.push(format!("{} imports {}", from.join("::"), to.join("::"))),
            }
        }
    }
    bad
}

/// Every import circle of a graph (one per back edge).
fn circles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<String> {
    fn visit(
        m: &Module,
        g: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
        circles: &mut Vec<String>,
    ) {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for d in g.get(m).into_iter().flatten() {
            match state.get(d).copied().unwrap_or(0) {
                0 => visit(d, g, state, stack, circles),
                1 => {
                    let k = stack.iter().position(|x| x == d).expect("on the stack");
                    let names: Vec<String> = stack[k..].iter().map(|x| x.join("::")).collect();
                    circles.push(format!("{} -> {}", names.join(" -> "), d.join("::")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
    }
    let (mut state, mut out) = (BTreeMap::new(), Vec::new());
    for m in g.keys() {
        if !state.contains_key(m) {
            visit(m, g, &mut state, &mut Vec::new(), &mut out);
        }
    }
    out
}

#[test]
fn layers_import_only_downwards() {
    let bad = layer_violations(&graph());
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_import_circle() {
    let found = circles(&graph());
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// Names and lengths of the functions in a stripped source.
fn functions(src: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(k) = t.find("fn ") else { continue };
        let head = &t[..k];
        let is_fn = head
            .split_whitespace()
            .all(|w| w.starts_with("pub") || matches!(w, "async" | "const" | "unsafe"));
        if !is_fn {
            continue;
        }
        let name: String = t[k + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i32, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            if !opened && l.contains(';') && !l.contains('{') {
                break; // a declaration without a body
            }
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((name.clone(), j - i + 1));
                break;
            }
        }
    }
    out
}

#[test]
fn files_and_functions_stay_small() {
    let mut bad = Vec::new();
    for (path, _) in source_files(false) {
        if path.ends_with("wire/pb.rs") {
            continue; // generated code is included here
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = path.display().to_string();
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            bad.push(format!("{name}: {n} lines"));
        }
        for (f, len) in functions(&strip(&text)) {
            if len > MAX_FN_LINES {
                bad.push(format!("{name}: fn {f} has {len} lines"));
            }
        }
    }
    assert!(bad.is_empty(), "too long:\n{}", bad.join("\n"));
}

/// A tree of fixture modules from (path, source) pairs.
fn fixture(files: &[(&str, &str)]) -> Tree {
    Tree::new(
        files
            .iter()
            .map(|(m, src)| {
                let module = m
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                (module, src.to_string())
            })
            .collect(),
    )
}

fn m(path: &str) -> Module {
    path.split("::").map(String::from).collect()
}

#[test]
fn the_checker_sees_imports_and_functions() {
    // The real tree: an edge that must be there.
    let g = graph();
    let api = g.get(&m("api::solve")).expect("api::solve");
    assert!(api.contains(&m("pipeline")), "{api:?}");
    // A root re-export is followed to its module: a core module naming
    // `crate::pb` breaks the layers.
    let t = fixture(&[
        ("", "pub mod wire; pub mod solvers; pub use wire::pb;"),
        ("wire", "pub mod pb;"),
        ("wire::pb", ""),
        ("solvers", "use crate::pb;"),
    ]);
    assert_eq!(t.graph()[&m("solvers")], BTreeSet::from([m("wire::pb")]));
    assert_eq!(
        layer_violations(&t.graph()),
        vec!["solvers imports wire::pb"]
    );
    // A circle through a re-export in a mod.rs, with an alias and a child
    // path; `super::*` in a test module is no edge.
    let t = fixture(&[
        ("explain", "pub(crate) mod bottlenecks; pub(crate) mod certificate; pub(crate) use bottlenecks::MAX;"),
        ("explain::bottlenecks", "use super::certificate::{certificate as cert}; pub const MAX: usize = 1;"),
        ("explain::certificate", "use super::MAX; #[cfg(test)] mod tests { use super::super::*; }"),
    ]);
    let g = t.graph();
    assert!(
        g[&m("explain::bottlenecks")].contains(&m("explain::certificate")),
        "{g:?}"
    );
    assert!(
        g[&m("explain::certificate")].contains(&m("explain::bottlenecks")),
        "{g:?}"
    );
    assert!(
        !g[&m("explain::certificate")].contains(&m("explain")),
        "{g:?}"
    );
    assert!(!circles(&g).is_empty());
    let src = strip("pub(crate) fn a() {\n let s = \"}\";\n}\nfn b();\n");
    assert_eq!(functions(&src), vec![("a".to_string(), 3)]);
    assert_eq!(
        expand("crate::a::{b, c::{d, e as f}}"),
        vec!["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
}
