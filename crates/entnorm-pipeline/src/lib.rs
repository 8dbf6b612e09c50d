//! Readers, the parallel batch driver and CSV writers.
