//! Incremental builds: which pages of the previous site can be kept without
//! rendering them again (the page of each entity and the lists of each kind).
//!
//! While such a page is rendered, every entity whose data it reads is
//! recorded (the view code calls [`read`] in each accessor that looks at one
//! entity: its document, its links, its place in the trace). The page's key
//! is a hash of the build's global inputs and of each read entity's
//! fingerprint; the manifest keeps both the key and what was read. The next
//! build recomputes the key from the same entities' new fingerprints: if it
//! is the same, the page would render to the same bytes, and the previous
//! file is linked instead.
//!
//! The global inputs are everything such a page shows that is not about
//! particular entities: the binary, the templates, the configuration, the
//! navigation and counts in every header, `--today`, and the table of all
//! files, entities (id, kind, file, which is canonical) and contracts. When
//! any of them changes, entity numbers may name other entities, so every page
//! is rendered again. An entity's fingerprint covers its file's bytes (so its
//! document, its outgoing links and its line numbers), the links that point
//! at it, whether it is traced, its measurements and its findings.

use std::collections::HashMap;

use crate::hash::Fingerprint;
use crate::model::EntityId;
pub use crate::model::reads::read;

use super::view::SiteModel;

/// The entities a page read, each once, in order: kept as the differences
/// between successive entity numbers, seven bits a byte (a page of a
/// 100,000-entity site reads dozens, mostly close together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reads(Box<[u8]>);

impl Reads {
    pub fn new(mut entities: Vec<EntityId>) -> Reads {
        entities.sort_unstable();
        entities.dedup();
        let mut bytes = Vec::with_capacity(entities.len() * 2);
        let mut last = 0;
        for e in entities {
            push_delta(&mut bytes, (e - last) as u64);
            last = e;
        }
        Reads(bytes.into())
    }

    /// Whether no entity was read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = EntityId> + '_ {
        let mut bytes = self.0.iter();
        let mut last = 0;
        std::iter::from_fn(move || {
            let (mut delta, mut shift) = (0usize, 0);
            loop {
                let b = *bytes.next()?;
                delta |= usize::from(b & 0x7f) << shift;
                shift += 7;
                if b < 0x80 {
                    break;
                }
            }
            last += delta;
            Some(last)
        })
    }

    /// As the manifest writes them: entity numbers in hex, comma-separated
    /// (numbers, not ids: they are only compared when the global inputs,
    /// which include the table of entities, are the same).
    pub fn write(&self, out: &mut Vec<u8>) {
        for (i, e) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            super::manifest::push_hex(out, e as u64);
        }
    }

    /// The reads [`Reads::write`] wrote, in one pass over the text: in
    /// increasing order, as written, each is encoded as it is read; in any
    /// other order, they are sorted first.
    pub fn parse(text: &str) -> Option<Reads> {
        use super::manifest::hex_digit;
        let mut bytes = Vec::with_capacity(text.len() / 2);
        let mut last: Option<u64> = None;
        let (mut n, mut digits) = (0u64, 0);
        let numbers = text.as_bytes().iter().copied();
        for b in numbers.chain((!text.is_empty()).then_some(b',')) {
            if b != b',' {
                n = n << 4 | u64::from(hex_digit(b)?);
                digits += 1;
                continue;
            }
            if digits == 0 || digits > 16 {
                return None;
            }
            let Some(delta) = n.checked_sub(last.map_or(0, |l| l + 1)) else {
                return Self::parse_unordered(text);
            };
            push_delta(&mut bytes, delta + u64::from(last.is_some()));
            last = Some(n);
            (n, digits) = (0, 0);
        }
        usize::try_from(last.unwrap_or(0)).ok()?;
        Some(Reads(bytes.into()))
    }

    fn parse_unordered(text: &str) -> Option<Reads> {
        let entities = text
            .split(',')
            .map(|n| usize::try_from(super::manifest::parse_hex(n)?).ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Reads::new(entities))
    }
}

/// The difference between two successive entity numbers of [`Reads`],
/// seven bits a byte, the last byte without its high bit.
fn push_delta(bytes: &mut Vec<u8>, mut delta: u64) {
    while delta >= 0x80 {
        bytes.push((delta as u8 & 0x7f) | 0x80);
        delta >>= 7;
    }
    bytes.push(delta as u8);
}

/// The binary that builds: its version and, for builds that share a
/// version (a working tree), the executable's size and time.
pub fn binary() -> u64 {
    let mut f = Fingerprint::new();
    f.str(crate::version());
    if let Ok(m) = std::env::current_exe().and_then(std::fs::metadata) {
        f.u64(m.len()).debug(&m.modified().ok());
    }
    f.value()
}

/// The inputs of this build's pages, as hashes.
pub struct Inputs {
    /// Everything every page depends on.
    pub global: u64,
    entity: Vec<u64>,
}

impl Inputs {
    /// The inputs of `site`'s pages, rendered with templates whose sources
    /// hash to `templates`; `None` when the site marks changes since a
    /// revision (`build --since`), whose pages are always rendered.
    pub fn new(site: &SiteModel, common: &super::pages::Common, templates: u64) -> Option<Inputs> {
        use rayon::prelude::*;
        if site.changes.is_some() {
            return None;
        }
        let (ws, model, analysis) = (site.ws, site.model, site.analysis);
        let mut g = Fingerprint::new();
        g.u64(binary()).u64(templates);
        g.debug(site.config)
            .debug(common)
            .debug(&analysis.outcomes.today)
            // dbt's artifacts show on data product and source pages.
            .debug(&ws.dbt.as_ref().map(|a| a.stamps()));
        // Which spec names which dbt node decides every product's observed
        // lineage, whichever entities its page reads.
        if let Some(dbt) = &ws.dbt {
            for n in crate::dbt::names::named(ws, model, &dbt.manifest) {
                g.u64(n.entity as u64).str(n.value);
            }
        }
        // So do the OpenLineage run events, and which spec names which dataset.
        if let Some(lineage) = &ws.lineage {
            for (f, stamp) in lineage.events.files.iter().zip(&lineage.events.stamps) {
                g.str(&f.rel_path).debug(stamp);
            }
            for d in crate::openlineage::observed::datasets(ws, model) {
                g.u64(d.entity as u64).str(d.namespace).str(d.name);
            }
        }
        for (e, entity) in model.entities.iter().enumerate() {
            g.str(&entity.id)
                .debug(&entity.kind)
                .u64(u64::from(model.is_canonical(e)))
                .str(&ws.files[entity.file].rel_path)
                .u64(entity.doc as u64);
        }
        for file in &ws.files {
            g.str(&file.rel_path);
        }
        for c in &model.contracts {
            g.debug(c);
            g.u64(ws.files[c.file].content_hash());
        }
        // Findings by entity, in report order.
        let mut findings: HashMap<EntityId, Fingerprint> = HashMap::new();
        for d in &analysis.diagnostics {
            if let Some(e) = d.doc.and_then(|doc| model.entity_of_doc(doc)) {
                findings.entry(e).or_default().debug(d);
            }
        }
        let entity = (0..model.entities.len())
            .into_par_iter()
            .map(|e| {
                let entity = &model.entities[e];
                let mut f = Fingerprint::new();
                f.u64(ws.files[entity.file].content_hash())
                    .u64(u64::from(analysis.trace.traced[e]));
                for r in model.refs_to(e) {
                    f.u64(r.from as u64).debug(&r.field);
                }
                for i in analysis.outcomes.of(e) {
                    f.debug(i);
                }
                f.u64(findings.get(&e).map_or(0, Fingerprint::value));
                f.value()
            })
            .collect();
        Some(Inputs {
            global: g.value(),
            entity,
        })
    }

    /// The key of a page that read `reads`; `None` if one of them is not an
    /// entity of this build.
    pub fn key(&self, reads: &Reads) -> Option<u64> {
        let mut f = Fingerprint::new();
        f.u64(self.global);
        for e in reads.iter() {
            f.u64(e as u64).u64(*self.entity.get(e)?);
        }
        Some(f.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_recorded_per_page_and_written_back() {
        read(7); // not recording: ignored
        let ((), reads) = crate::model::reads::recording(|| {
            read(3);
            read(1);
            read(3);
        });
        assert_eq!(Reads::new(reads).iter().collect::<Vec<_>>(), [1, 3]);
        let reads = Reads::new(vec![300, 1, 26, 1 << 20, 26]);
        assert_eq!(reads.iter().collect::<Vec<_>>(), [1, 26, 300, 1 << 20]);
        let mut text = Vec::new();
        reads.write(&mut text);
        let text = String::from_utf8(text).unwrap();
        assert_eq!(text, "1,1a,12c,100000");
        assert_eq!(Reads::parse(&text), Some(reads));
        assert_eq!(Reads::parse("").map(|r| r.iter().count()), Some(0));
        assert_eq!(Reads::parse("1,zz"), None);
        assert_eq!(Reads::parse("1,,2"), None);
        // Out of order or repeated, as an older or edited manifest may have them.
        assert_eq!(
            Reads::parse("12c,1,1a,1,0"),
            Some(Reads::new(vec![0, 1, 26, 300]))
        );
        assert_eq!(Reads::parse("0"), Some(Reads::new(vec![0])));
    }
}
