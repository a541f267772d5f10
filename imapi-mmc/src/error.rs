//! The two error types: a CDB that does not parse, and a reply that does not parse or emit.

/// A command descriptor block that cannot be the command it is parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CdbError {
    /// Fewer bytes than the command's CDB length.
    #[error("{command} CDB has {got} bytes, needs {need}")]
    Truncated {
        /// The command.
        command: &'static str,
        /// Its CDB length.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// Byte 0 is another command's operation code.
    #[error("{command} CDB starts with opcode {got:#04x}, expected {expected:#04x}")]
    Opcode {
        /// The command.
        command: &'static str,
        /// Its operation code.
        expected: u8,
        /// Byte 0 of the CDB.
        got: u8,
    },
    /// An operation code this crate does not know.
    #[error("unknown opcode {0:#04x}")]
    UnknownOpcode(u8),
    /// More bytes than any CDB holds (16).
    #[error("a CDB holds at most 16 bytes, {0} given")]
    TooLong(usize),
    /// A field holds a value the command does not allow.
    #[error("{command} CDB field {field} holds {value:#x}, which is not allowed")]
    Field {
        /// The command.
        command: &'static str,
        /// The field.
        field: &'static str,
        /// The value found.
        value: u32,
    },
}

/// A reply (data-in or parameter data) that does not parse, or a value that cannot be emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// Fewer bytes than the structure needs.
    #[error("{what} has {got} bytes, needs {need}")]
    Truncated {
        /// The structure.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes given.
        got: usize,
    },
    /// A length field declares less than the structure's fixed part, or a length that does
    /// not divide into whole descriptors.
    #[error("{what} declares {declared} bytes, which is not a valid length (at least {min})")]
    BadLength {
        /// The structure.
        what: &'static str,
        /// The length it declares (counting the whole structure).
        declared: usize,
        /// The smallest valid length.
        min: usize,
    },
    /// A field holds a value that has no meaning.
    #[error("{what} field {field} holds {value:#x}, which is not valid")]
    Field {
        /// The structure.
        what: &'static str,
        /// The field.
        field: &'static str,
        /// The value found.
        value: u32,
    },
    /// The value does not fit the wire form (too many descriptors, an address with no MSF).
    #[error("{what} cannot be written: {field} is out of range")]
    Unrepresentable {
        /// The structure.
        what: &'static str,
        /// The field at fault.
        field: &'static str,
    },
}
