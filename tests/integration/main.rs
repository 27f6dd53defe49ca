//! Integration tests, one module per area (ripgrep style): shared helpers
//! live in `util`, each area in its own file.

mod admission;
mod alternatives;
mod availability;
mod certificate;
mod cli;
mod demand;
mod demand_alternatives;
mod demand_certificate;
mod demand_requests;
mod demand_shortfall;
mod demand_stability;
mod determinism;
mod diagnosis;
mod e2e;
mod formats;
mod fuzz;
mod groups;
mod layout;
mod meetings;
mod memory;
mod optimality;
mod pricing;
mod programme;
mod report;
mod resume;
mod rules;
mod sectors;
mod service;
mod sessions;
mod stable;
mod store;
mod util;
mod validation;
mod whatif;
mod wire_status;
