//! Static lineage: the trace as OpenLineage events.
