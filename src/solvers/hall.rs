//! Capacity certificates: why a mentee cannot be placed when its compatible
//! mentors are full.
//!
//! Hall's theorem: the mentees of a set `S` can all be matched iff no subset
//! `T ⊆ S` has more mentees than places at `N(T)`, the mentors compatible
//! with any of them. Given a maximum-coverage assignment and an unmatched
//! mentee `r`, let `S` be the mentees reachable from `r` by alternating
//! paths (a candidate arc to a mentor, then back along one of that mentor's
//! assigned mentees): the source side of a minimum cut. When no such path
//! reaches a mentor with room, every mentor of `N(S)` is full, all its
//! mentees are in `S`, and `r` is one more: `|S| = places(N(S)) + 1`, a
//! *Hall violator*.
//!
//! It is inclusion-minimal: a member `x ≠ r` is entered only from its own
//! mentor `j`, so the alternating path from `r` to `j` avoids `x`; without
//! `x`, `j` has a free place and that path places `r`, so `S \ {x}` can be
//! matched; and `S \ {r}` is matched already. Every subset is therefore
//! matchable and `S` is the smallest set that shows the shortage.
//!
//! Since every mentor of `N(S)` is reachable from `r`, one more place at any
//! of them, or one new feasible arc from any member of `S` to a mentor with
//! room, places one more mentee: the explanation layer turns a violator into
//! a certificate in problem terms with those relaxations.
//!
//! Pure graph search on an [`Instance`] and an assignment; no problem, no
//! words.

use super::Instance;

/// Searches per solve when [`Searcher`] searches arc by arc (above
/// [`MAX_CLOSURE_MENTORS`]).
pub(crate) const MAX_PLAIN_SEARCHES: usize = 100;

/// Unmatched mentees per solve searched for a certificate.
pub(crate) const MAX_SEARCHES: usize = 10_000;

/// Arcs visited by one plain [`search`] at most.
pub const WORK_BUDGET: u64 = 20_000_000;

/// An inclusion-minimal set of instance mentees that cannot all be matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violator {
    /// Instance mentees, ascending; the root is one of them.
    pub mentees: Vec<u32>,
    /// Their compatible mentors `N(S)`, ascending; all are full.
    pub mentors: Vec<u32>,
    /// Places at `mentors` (instance capacities; with demand, net of the
    /// places pins hold): `mentees.len() - 1`.
    pub places: u32,
}

/// What the alternating search from an unmatched mentee finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// A Hall violator: the mentee cannot be placed without unplacing another.
    Violator(Violator),
    /// An alternating path reaches a mentor with room: a chain of moves
    /// places the mentee (the assignment does not maximise coverage there,
    /// e.g. under the score objective).
    Placeable,
    /// The search would visit more arcs than its budget (or the mentee is
    /// matched or unknown).
    Unknown,
}

/// Searches from the unmatched mentee `root`, given an assignment `arc`
/// (instance arc per mentee) that respects capacities, visiting at most
/// `budget` arcs.
pub fn search(inst: &Instance, arc: &[Option<u32>], root: u32, budget: u64) -> Search {
    let n = inst.mentees();
    if root as usize >= n || arc.get(root as usize).copied().flatten().is_some() {
        return Search::Unknown;
    }
    search_in(inst, &members_of(inst, arc), root, budget)
}

/// Assigned mentees per mentor, ascending.
fn members_of(inst: &Instance, arc: &[Option<u32>]) -> Vec<Vec<u32>> {
    let mut members = vec![Vec::new(); inst.mentors()];
    for (e, a) in arc.iter().enumerate() {
        if let Some(&j) = a.and_then(|a| inst.mentor.get(a as usize)) {
            members[j as usize].push(e as u32);
        }
    }
    members
}

/// [`search`] with the assigned mentees of each mentor given.
fn search_in(inst: &Instance, members: &[Vec<u32>], root: u32, budget: u64) -> Search {
    let n = inst.mentees();
    let mut seen_e = vec![false; n];
    let mut seen_m = vec![false; inst.mentors()];
    let mut queue = vec![root];
    let mut mentors = Vec::new();
    let mut places = 0u32;
    let mut work = 0u64;
    seen_e[root as usize] = true;
    let mut head = 0;
    while let Some(&e) = queue.get(head) {
        head += 1;
        let arcs = inst.arcs(e as usize);
        work += arcs.len() as u64 + 1;
        if work > budget {
            return Search::Unknown;
        }
        for a in arcs {
            let j = inst.mentor[a] as usize;
            if seen_m[j] {
                continue;
            }
            seen_m[j] = true;
            if (members[j].len() as u32) < inst.capacity[j] {
                return Search::Placeable;
            }
            mentors.push(j as u32);
            places += inst.capacity[j];
            for &x in &members[j] {
                if !seen_e[x as usize] {
                    seen_e[x as usize] = true;
                    queue.push(x);
                }
            }
        }
    }
    queue.sort_unstable();
    mentors.sort_unstable();
    Search::Violator(Violator {
        mentees: queue,
        mentors,
        places,
    })
}

/// Mentor-level edges of an assignment: `j → j'` when a mentee assigned to
/// `j` has a feasible pair with `j'` (bit rows, `n_m²` bits), for a search
/// over an instance that holds only some arcs of assigned mentees.
#[derive(Debug, Clone)]
pub struct MentorGraph {
    words: usize,
    bits: Vec<u64>,
}

impl MentorGraph {
    /// No edges between `mentors` mentors.
    pub(crate) fn new(mentors: usize) -> Self {
        let words = mentors.div_ceil(64);
        MentorGraph {
            words,
            bits: vec![0; words * mentors],
        }
    }

    /// Adds the edge `from → to`.
    pub(crate) fn add(&mut self, from: u32, to: u32) {
        self.bits[from as usize * self.words + to as usize / 64] |= 1 << (to % 64);
    }

    /// Adds every edge of `other` (a graph over the same mentors).
    pub(crate) fn merge(&mut self, other: &MentorGraph) {
        for (a, b) in self.bits.iter_mut().zip(&other.bits) {
            *a |= b;
        }
    }

    /// The mentors `from` leads to, ascending.
    fn next(&self, from: u32) -> impl Iterator<Item = u32> + '_ {
        let row = &self.bits[from as usize * self.words..(from as usize + 1) * self.words];
        row.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64u32)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| w as u32 * 64 + b)
        })
    }
}

/// [`search_in`] over mentor-level edges: from the root's arcs, then from
/// each full mentor reached along `graph`; the same violator as a search
/// over every arc of the assigned mentees.
fn search_graph(inst: &Instance, members: &[Vec<u32>], graph: &MentorGraph, root: u32) -> Search {
    let mut seen = vec![false; inst.mentors()];
    let mut mentors: Vec<u32> = Vec::new();
    let mut places = 0u32;
    let mut queue: Vec<u32> = inst.arcs(root as usize).map(|a| inst.mentor[a]).collect();
    while let Some(j) = queue.pop() {
        if std::mem::replace(&mut seen[j as usize], true) {
            continue;
        }
        if (members[j as usize].len() as u32) < inst.capacity[j as usize] {
            return Search::Placeable;
        }
        mentors.push(j);
        places += inst.capacity[j as usize];
        queue.extend(graph.next(j).filter(|&k| !seen[k as usize]));
    }
    mentors.sort_unstable();
    let mut mentees: Vec<u32> = mentors
        .iter()
        .flat_map(|&j| members[j as usize].iter().copied())
        .chain([root])
        .collect();
    mentees.sort_unstable();
    Search::Violator(Violator {
        mentees,
        mentors,
        places,
    })
}

/// Searches from many unmatched mentees over one assignment, sharing the
/// work. The alternating paths are followed on a mentor-level graph (`j →
/// j'` when a mentee assigned to `j` also has an arc to `j'`), built once;
/// its strongly connected components and the components each one reaches
/// (bitsets, in reverse topological order) are computed once too, so a
/// search is a union of precomputed closures. Same answers as [`search`].
#[derive(Debug, Clone)]
pub struct Searcher<'a> {
    inst: &'a Instance,
    arc: &'a [Option<u32>],
    /// The mentor-level edges, when given apart from the instance.
    graph: Option<&'a MentorGraph>,
    /// Assigned mentees per mentor, ascending.
    members: Vec<Vec<u32>>,
    /// Component of each mentor.
    comp_of: Vec<u32>,
    /// Mentors of each component, ascending.
    comps: Vec<Vec<u32>>,
    /// Components reachable from each component (itself included), as bits.
    closure: Vec<Vec<u64>>,
    /// Whether a component has a mentor with room.
    room: Vec<bool>,
    /// Too many mentors for closures: each search is a plain [`search`].
    plain: bool,
}

/// Most mentors for which [`Searcher`] precomputes closures (8 MiB of bits).
pub(crate) const MAX_CLOSURE_MENTORS: usize = 8192;

/// Where a search from an unmatched mentee ends, without listing the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// A Hall violator: `key` identifies its mentors (equal keys, equal
    /// mentors), with its size and places.
    Violator {
        /// Reached components, as bits.
        key: Vec<u64>,
        /// Mentees in the violator (the root included).
        mentees: usize,
        /// Places at its mentors.
        places: u32,
    },
    /// A chain of moves places the mentee.
    Placeable,
    /// The mentee is matched or unknown.
    Unknown,
}

impl<'a> Searcher<'a> {
    /// Prepares the mentor-level graph of an assignment and its closures.
    pub fn new(inst: &'a Instance, arc: &'a [Option<u32>]) -> Self {
        Searcher::over(inst, arc, None)
    }

    /// [`Searcher::new`], with the mentor-level edges `graph` given when the
    /// instance holds only some arcs of assigned mentees (every arc of an
    /// unassigned one): a priced solve's.
    pub(crate) fn over(
        inst: &'a Instance,
        arc: &'a [Option<u32>],
        graph: Option<&'a MentorGraph>,
    ) -> Self {
        let n_m = inst.mentors();
        let members = members_of(inst, arc);
        if n_m > MAX_CLOSURE_MENTORS {
            // The closures would take n_m² bits: search arc by arc instead.
            return Searcher {
                inst,
                arc,
                graph,
                members,
                comp_of: Vec::new(),
                comps: Vec::new(),
                closure: Vec::new(),
                room: Vec::new(),
                plain: true,
            };
        }

        let mut stamp = vec![u32::MAX; n_m];
        let mut digraph = petgraph::graph::DiGraph::<(), ()>::with_capacity(n_m, 0);
        for _ in 0..n_m {
            digraph.add_node(());
        }
        for (j, ms) in members.iter().enumerate() {
            stamp[j] = j as u32;
            let mut edge = |k: usize| {
                if stamp[k] != j as u32 {
                    stamp[k] = j as u32;
                    digraph.add_edge((j as u32).into(), (k as u32).into(), ());
                }
            };
            match graph {
                Some(g) => g.next(j as u32).for_each(|k| edge(k as usize)),
                None => ms
                    .iter()
                    .flat_map(|&e| inst.arcs(e as usize))
                    .for_each(|a| edge(inst.mentor[a] as usize)),
            }
        }
        // Reverse topological order: a component's successors come first.
        let sccs = petgraph::algo::tarjan_scc(&digraph);
        let n_c = sccs.len();
        let words = n_c.div_ceil(64);
        let mut comp_of = vec![0u32; n_m];
        let comps: Vec<Vec<u32>> = sccs
            .iter()
            .enumerate()
            .map(|(c, nodes)| {
                let mut js: Vec<u32> = nodes.iter().map(|n| n.index() as u32).collect();
                js.sort_unstable();
                for &j in &js {
                    comp_of[j as usize] = c as u32;
                }
                js
            })
            .collect();
        let mut closure: Vec<Vec<u64>> = Vec::with_capacity(n_c);
        let mut seen = vec![u32::MAX; n_c];
        for (c, js) in comps.iter().enumerate() {
            let mut bits = vec![0u64; words];
            bits[c / 64] |= 1 << (c % 64);
            for &j in js {
                for k in digraph.neighbors((j).into()) {
                    let d = comp_of[k.index()] as usize;
                    if d != c && seen[d] != c as u32 {
                        seen[d] = c as u32;
                        for (w, x) in bits.iter_mut().zip(&closure[d]) {
                            *w |= x;
                        }
                    }
                }
            }
            closure.push(bits);
        }
        let room = comps
            .iter()
            .map(|js| {
                js.iter()
                    .any(|&j| (members[j as usize].len() as u32) < inst.capacity[j as usize])
            })
            .collect();
        Searcher {
            inst,
            arc,
            graph,
            members,
            comp_of,
            comps,
            closure,
            room,
            plain: false,
        }
    }

    /// The arc-by-arc search, on the members computed once.
    fn plain_search(&self, root: u32) -> Search {
        if root as usize >= self.inst.mentees()
            || self.arc.get(root as usize).copied().flatten().is_some()
        {
            return Search::Unknown;
        }
        match self.graph {
            Some(g) => search_graph(self.inst, &self.members, g, root),
            None => search_in(self.inst, &self.members, root, WORK_BUDGET),
        }
    }

    /// How many searches a solve or check should run with this searcher:
    /// [`MAX_SEARCHES`] with closures, [`MAX_PLAIN_SEARCHES`] arc by arc.
    pub(crate) fn search_limit(&self) -> usize {
        if self.plain {
            MAX_PLAIN_SEARCHES
        } else {
            MAX_SEARCHES
        }
    }

    /// Where the search from the unmatched mentee `root` ends.
    pub(crate) fn reach(&self, root: u32) -> Reach {
        let inst = self.inst;
        if self.plain {
            return match self.plain_search(root) {
                Search::Violator(v) => Reach::Violator {
                    key: v.mentors.iter().map(|&j| u64::from(j)).collect(),
                    mentees: v.mentees.len(),
                    places: v.places,
                },
                Search::Placeable => Reach::Placeable,
                Search::Unknown => Reach::Unknown,
            };
        }
        if root as usize >= inst.mentees()
            || self.arc.get(root as usize).copied().flatten().is_some()
        {
            return Reach::Unknown;
        }
        let mut key = vec![0u64; self.closure.first().map_or(0, Vec::len)];
        for a in inst.arcs(root as usize) {
            let c = self.comp_of[inst.mentor[a] as usize] as usize;
            if key[c / 64] & (1 << (c % 64)) == 0 {
                for (w, x) in key.iter_mut().zip(&self.closure[c]) {
                    *w |= x;
                }
            }
        }
        let (mut mentees, mut places) = (1usize, 0u32);
        for c in self.components(&key) {
            if self.room[c] {
                return Reach::Placeable;
            }
            for &j in &self.comps[c] {
                mentees += self.members[j as usize].len();
                places += inst.capacity[j as usize];
            }
        }
        Reach::Violator {
            key,
            mentees,
            places,
        }
    }

    fn components<'k>(&self, key: &'k [u64]) -> impl Iterator<Item = usize> + 'k {
        key.iter().enumerate().flat_map(|(w, &bits)| {
            (0..64)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| w * 64 + b)
        })
    }

    /// The search from the unmatched mentee `root`, with its violator listed.
    pub fn search(&self, root: u32) -> Search {
        if self.plain {
            return self.plain_search(root);
        }
        match self.reach(root) {
            Reach::Placeable => Search::Placeable,
            Reach::Unknown => Search::Unknown,
            Reach::Violator { key, places, .. } => {
                let mut mentors: Vec<u32> = self
                    .components(&key)
                    .flat_map(|c| self.comps[c].iter().copied())
                    .collect();
                mentors.sort_unstable();
                let mut mentees: Vec<u32> = mentors
                    .iter()
                    .flat_map(|&j| self.members[j as usize].iter().copied())
                    .collect();
                mentees.push(root);
                mentees.sort_unstable();
                Search::Violator(Violator {
                    mentees,
                    mentors,
                    places,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(lists: &[&[u32]], cap: &[u32]) -> Instance {
        let l: Vec<Vec<(u32, i64)>> = lists
            .iter()
            .map(|l| l.iter().map(|&m| (m, 0)).collect())
            .collect();
        Instance::from_lists(&l, cap.to_vec(), vec![0; cap.len()])
    }

    #[test]
    fn the_bottleneck_alone() {
        // Mentees 0 and 1 both need mentor 0 (one place); mentee 2 holds
        // mentor 1 and could also use mentor 0, but it is not reachable
        // from mentee 1 along an alternating path.
        let i = inst(&[&[0], &[0], &[1, 0]], &[1, 1]);
        let arc = vec![Some(0), None, Some(2)];
        let Search::Violator(v) = search(&i, &arc, 1, WORK_BUDGET) else {
            panic!("no violator")
        };
        assert_eq!(v.mentees, vec![0, 1]);
        assert_eq!(v.mentors, vec![0]);
        assert_eq!(v.places, 1);
    }

    #[test]
    fn augmenting_path_means_no_violator() {
        // Mentee 1 can be placed by moving mentee 0 to mentor 1.
        let i = inst(&[&[0, 1], &[0]], &[1, 1]);
        assert_eq!(
            search(&i, &[Some(0), None], 1, WORK_BUDGET),
            Search::Placeable
        );
    }

    #[test]
    fn follows_chains_of_full_mentors() {
        let i = inst(&[&[0], &[1], &[0, 1]], &[1, 1]);
        let arc = vec![Some(0), Some(1), None];
        let Search::Violator(v) = search(&i, &arc, 2, WORK_BUDGET) else {
            panic!("no violator")
        };
        assert_eq!(v.mentees, vec![0, 1, 2]);
        assert_eq!(v.places, 2);
        assert_eq!(search(&i, &arc, 2, 2), Search::Unknown, "budget");
    }
}

#[cfg(test)]
mod searcher_tests {
    use super::*;

    /// The arc-by-arc mode (used above `MAX_CLOSURE_MENTORS`) agrees with
    /// the closure mode and with `search`.
    #[test]
    fn plain_mode_agrees() {
        let l: Vec<Vec<(u32, i64)>> = vec![
            vec![(0, 0), (1, 0)],
            vec![(0, 0), (1, 0)],
            vec![(0, 0), (1, 0)],
            vec![(0, 0), (1, 0)],
            vec![(2, 0)],
            vec![(2, 0), (1, 0)],
        ];
        let i = Instance::from_lists(&l, vec![1, 2, 3], vec![0; 3]);
        let arc = vec![Some(0), Some(3), Some(5), None, Some(8), None];
        let closure = Searcher::new(&i, &arc);
        let mut plain = Searcher::new(&i, &arc);
        plain.plain = true;
        for root in 0..6 {
            let s = search(&i, &arc, root, WORK_BUDGET);
            assert_eq!(closure.search(root), s, "root {root}");
            assert_eq!(plain.search(root), s, "root {root}");
        }
        assert!(matches!(closure.search(3), Search::Violator(_)));
        assert_eq!(closure.search(5), Search::Placeable);
    }
}
