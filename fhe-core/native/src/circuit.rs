//! A compiled circuit: every stage of a model prepared once (input weights in the NTT domain,
//! bootstrap accumulators built, settings validated) and evaluated per request in one call,
//! intermediate batches freed as soon as the next stage has consumed them.
//!
//! The stages are the same [`ops`] types the per-operation API builds for each call, so a compiled
//! evaluation computes exactly the ciphertexts the stage-by-stage path computes.

use crate::ciphertext::{CompactBatch, GlweBatch};
use crate::error::{ensure, FheError, FheResult};
use crate::keys::ServerKey;
use crate::ops::{self, Checkpoint, Compaction, LevelledDense, PreparedBootstrap, PreparedDense, PreparedReduce};
use crate::params::FheParams;
use std::sync::atomic::{AtomicBool, Ordering};

/// One stage as given by the caller, borrowed from its arrays.
#[derive(Clone, Copy, Debug)]
pub enum StageSpec<'a> {
    /// Dense layer on the encrypted input vector (first stage only).
    InputDense { inputs: usize, outputs: usize, weights: &'a [i64], bias: &'a [i64], delta: u64 },
    /// Keyswitch + bootstrap through one table per value, or one shared table; saturating tables
    /// (see [`crate::lut`]) read the nearer end's value past either end of their domain.
    Bootstrap { domain: usize, tables: &'a [i64], delta_out: u64, saturating: bool },
    /// Range reduction ([`PreparedReduce`]): the first half of the values bootstrapped through one
    /// table per neuron into corrections subtracted from the second half; halves the width.
    Reduce { domain: usize, tables: &'a [i64], delta_out: u64 },
    /// Levelled dense layer on the previous stage's values.
    LevelledDense { inputs: usize, outputs: usize, weights: &'a [i64], bias: &'a [i64], delta: u64 },
    /// Output compaction (last stage only), after a re-randomization under the client's public
    /// key when `rerandomize` is set.
    Compact { keyswitch: bool, bits: u32, rerandomize: bool },
}

/// Stage kinds of the flat encoding read by [`StageSpec::decode`] (the JNI layout, mirrored by
/// `dev.fheml.core.CompiledStages` in Java).
pub const INPUT_DENSE: i64 = 0;
pub const BOOTSTRAP: i64 = 1;
pub const LEVELLED_DENSE: i64 = 2;
pub const COMPACT: i64 = 3;
pub const SATURATING_BOOTSTRAP: i64 = 4;
pub const REDUCE: i64 = 5;

impl<'a> StageSpec<'a> {
    /// Reads one stage encoded as `[kind, a, b, delta, payload…]`:
    /// dense layers `[kind, inputs, outputs, delta, weights (outputs × inputs)…, bias (outputs)…]`,
    /// bootstrap `[BOOTSTRAP or SATURATING_BOOTSTRAP, domain, tables, delta_out, values (tables × domain)…]`,
    /// range reduction `[REDUCE, domain, tables, delta_out, values (tables × domain)…]`,
    /// compaction `[COMPACT, keyswitch (0 or 1), bits, rerandomize (0 or 1)]`.
    pub fn decode(stage: &'a [i64]) -> FheResult<StageSpec<'a>> {
        let [kind, a, b, delta, payload @ ..] = stage else {
            return Err(FheError::InvalidArgument(format!(
                "a stage needs at least 4 values (kind, two sizes, delta), got {}",
                stage.len()
            )));
        };
        let size = |v: i64, what: &str| {
            usize::try_from(v).map_err(|_| FheError::InvalidArgument(format!("{what} must not be negative, got {v}")))
        };
        let (a, b) = (size(*a, "stage size")?, size(*b, "stage size")?);
        let positive = || {
            u64::try_from(*delta)
                .ok()
                .filter(|&d| d > 0)
                .ok_or_else(|| FheError::InvalidArgument(format!("a delta must be positive, got {delta}")))
        };
        let exact = |expected: Option<usize>| {
            ensure(expected == Some(payload.len()), || {
                format!("stage of kind {kind} with sizes {a} x {b} carries {} values", payload.len())
            })
        };
        match *kind {
            INPUT_DENSE | LEVELLED_DENSE => {
                exact(a.checked_mul(b).and_then(|w| w.checked_add(b)))?;
                let (weights, bias) = payload.split_at(a * b);
                let (inputs, outputs, delta) = (a, b, positive()?);
                Ok(if *kind == INPUT_DENSE {
                    StageSpec::InputDense { inputs, outputs, weights, bias, delta }
                } else {
                    StageSpec::LevelledDense { inputs, outputs, weights, bias, delta }
                })
            }
            BOOTSTRAP | SATURATING_BOOTSTRAP => {
                exact(a.checked_mul(b))?;
                let saturating = *kind == SATURATING_BOOTSTRAP;
                Ok(StageSpec::Bootstrap { domain: a, tables: payload, delta_out: positive()?, saturating })
            }
            REDUCE => {
                exact(a.checked_mul(b))?;
                Ok(StageSpec::Reduce { domain: a, tables: payload, delta_out: positive()? })
            }
            COMPACT => {
                exact(Some(0))?;
                ensure(a <= 1, || format!("compaction keyswitch flag must be 0 or 1, got {a}"))?;
                ensure(*delta == 0 || *delta == 1, || format!("compaction re-randomize flag must be 0 or 1, got {delta}"))?;
                let bits = u32::try_from(b).map_err(|_| FheError::InvalidArgument(format!("bad bit count {b}")))?;
                Ok(StageSpec::Compact { keyswitch: a == 1, bits, rerandomize: *delta == 1 })
            }
            other => Err(FheError::InvalidArgument(format!("unknown stage kind {other}"))),
        }
    }
}

/// A stage between the input layer and the compaction.
enum Middle {
    Bootstrap(PreparedBootstrap),
    Reduce(PreparedReduce),
    Levelled(LevelledDense),
}

pub struct CompiledCircuit {
    params: FheParams,
    input: PreparedDense,
    middle: Vec<Middle>,
    output: Compaction,
    output_width: usize,
}

impl CompiledCircuit {
    /// Validates and prepares a circuit: an input dense layer taking `input_length` values, then
    /// bootstraps and levelled layers whose widths chain, then a compaction.
    pub fn new(params: FheParams, input_length: usize, stages: &[StageSpec]) -> FheResult<CompiledCircuit> {
        let (
            Some(StageSpec::InputDense { inputs, outputs, weights, bias, delta }),
            Some(StageSpec::Compact { keyswitch, bits, rerandomize }),
        ) = (stages.first(), stages.last())
        else {
            return Err(FheError::InvalidArgument(
                "a circuit starts with an input dense layer and ends with compaction".into(),
            ));
        };
        ensure(*inputs == input_length, || {
            format!("stage 0 takes {inputs} inputs but the input vectors hold {input_length} values")
        })?;
        let input = PreparedDense::new(&params, *inputs, *outputs, weights, bias, *delta)?;
        let mut width = *outputs;
        let mut middle = Vec::with_capacity(stages.len() - 2);
        for (s, stage) in stages[1..stages.len() - 1].iter().enumerate().map(|(i, stage)| (i + 1, stage)) {
            let at = |e: FheError| match e {
                FheError::InvalidArgument(m) => FheError::InvalidArgument(format!("stage {s}: {m}")),
                other => other,
            };
            middle.push(match *stage {
                StageSpec::Bootstrap { domain, tables, delta_out, saturating } => {
                    let b = PreparedBootstrap::new(&params, tables, domain, delta_out, saturating).map_err(at)?;
                    ensure(b.tables() == 1 || b.tables() == width, || {
                        format!("stage {s}: {} tables for {width} values", b.tables())
                    })?;
                    Middle::Bootstrap(b)
                }
                StageSpec::Reduce { domain, tables, delta_out } => {
                    let r = PreparedReduce::new(&params, tables, domain, delta_out).map_err(at)?;
                    ensure(2 * r.neurons() == width, || {
                        format!("stage {s}: range reduction of {} neurons for {width} values", r.neurons())
                    })?;
                    width = r.neurons();
                    Middle::Reduce(r)
                }
                StageSpec::LevelledDense { inputs, outputs, weights, bias, delta } => {
                    ensure(inputs == width, || format!("stage {s} takes {inputs} inputs, has {width}"))?;
                    width = outputs;
                    Middle::Levelled(LevelledDense::new(inputs, outputs, weights, bias, delta).map_err(at)?)
                }
                StageSpec::InputDense { .. } | StageSpec::Compact { .. } => {
                    return Err(FheError::InvalidArgument(format!(
                        "stage {s}: only the first stage reads the input and only the last compacts"
                    )))
                }
            });
        }
        let output = Compaction::new(*keyswitch, *bits, *rerandomize)?;
        Ok(CompiledCircuit { params, input, middle, output, output_width: width })
    }

    pub fn params(&self) -> &FheParams {
        &self.params
    }

    /// Values per query in the result.
    pub fn output_width(&self) -> usize {
        self.output_width
    }

    pub fn evaluate(&self, sk: &ServerKey, input: &GlweBatch) -> FheResult<CompactBatch> {
        self.evaluate_with(sk, input, &|| Ok(()))
    }

    /// Evaluates `chunk` queries at a time and concatenates the compact results, so the
    /// intermediate ciphertexts of at most `chunk` queries are alive at once (a 1000-query batch
    /// would otherwise hold every query's LWEs of the widest stage). `checkpoint` runs before each
    /// chunk of queries and between bootstrap chunks; its error ends the evaluation.
    pub fn evaluate_chunked(
        &self,
        sk: &ServerKey,
        input: &GlweBatch,
        chunk: usize,
        checkpoint: Checkpoint,
    ) -> FheResult<CompactBatch> {
        ensure(chunk >= 1, || format!("chunk size must be at least 1, got {chunk}"))?;
        if input.ciphertexts.len() <= chunk {
            return self.evaluate_with(sk, input, checkpoint);
        }
        let mut out: Option<CompactBatch> = None;
        for part in input.ciphertexts.chunks(chunk) {
            checkpoint()?;
            let sub = GlweBatch { params_name: input.params_name.clone(), ciphertexts: part.to_vec() };
            let result = self.evaluate_with(sk, &sub, checkpoint)?;
            match out.as_mut() {
                None => out = Some(result),
                Some(all) => all.queries.extend(result.queries),
            }
        }
        out.ok_or_else(|| FheError::InvalidArgument("an empty batch has nothing to evaluate".into()))
    }

    /// Runs every stage on `sk`'s pool, calling `checkpoint` between bootstrap chunks (see
    /// [`ops::BOOTSTRAP_CHUNK`]); each intermediate batch is dropped once the next one exists.
    pub fn evaluate_with(&self, sk: &ServerKey, input: &GlweBatch, checkpoint: Checkpoint) -> FheResult<CompactBatch> {
        ops::check_params(sk.params.name, self.params.name, "compiled circuit")?;
        let mut current = self.input.apply(sk, input)?;
        for stage in &self.middle {
            current = match stage {
                Middle::Bootstrap(b) => b.apply_with(sk, &current, checkpoint)?,
                Middle::Reduce(r) => r.apply_with(sk, &current, checkpoint)?,
                Middle::Levelled(d) => d.apply(sk, &current)?,
            };
        }
        self.output.apply(sk, &current)
    }
}

/// A flag another thread raises to stop an evaluation at its next checkpoint (the server's
/// request deadline and shutdown). Shared by reference; raising it is idempotent.
#[derive(Default)]
pub struct CancelFlag {
    raised: AtomicBool,
}

impl CancelFlag {
    pub fn cancel(&self) {
        self.raised.store(true, Ordering::Release);
    }

    pub fn is_cancelled(&self) -> bool {
        self.raised.load(Ordering::Acquire)
    }

    /// The checkpoint that fails with [`FheError::Cancelled`] once the flag is raised.
    pub fn check(&self) -> FheResult<()> {
        if self.is_cancelled() {
            Err(FheError::Cancelled("the evaluation was cancelled".into()))
        } else {
            Ok(())
        }
    }
}
