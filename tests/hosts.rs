//! Each recorded host must get the verdict a person who knows that machine would give, for
//! the reason they would give, with the evidence that proves it.
