//! Records a live host as a recorded host (to be written).

/// Wraps a host and keeps everything read through it.
pub struct RecordingHost;
