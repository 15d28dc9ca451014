//! The JNI boundary. Every entry point goes through [`ffi`], which catches panics and turns each
//! [`FheError`] into one Java exception class; no `unwrap` is reachable from Java.
//!
//! Handles are `Box<Tagged<T>>` pointers passed as `long`. Each Java wrapper (`NativeHandle`) owns
//! exactly one handle and guarantees it is not used after `destroy`: the handle is zeroed under a
//! write lock on close, and every use takes the read lock and refuses a zeroed handle. The engine
//! cannot detect a released handle itself (its memory is freed); the tag catches a live handle of
//! the wrong type. Java names: `dev.fheml.core.internal.Native.<Type>_<operation>`.

use crate::baseline;
use crate::ciphertext::{CompactBatch, GlweBatch, LweBatch};
use crate::circuit::{CancelFlag, CompiledCircuit, StageSpec};
use crate::error::{FheError, FheResult};
use crate::keys::{ClientKey, ClientKeyData, EvaluationKeyData, ServerKey};
use crate::serial::Conformance;
use crate::ops;
use crate::params::{self, FheParams};
use crate::pool::EvaluationPool;
use crate::serial;
use jni::objects::{JByteArray, JClass, JLongArray, JObject, JObjectArray, JString};
use jni::sys::{jboolean, jbyteArray, jdouble, jint, jlong, jlongArray, jobjectArray, JNI_TRUE};
use jni::JNIEnv;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zeroize::Zeroize;

// ------------------------------------------------------------------ error translation

const ILLEGAL_ARGUMENT: &str = "java/lang/IllegalArgumentException";
const FORMAT: &str = "dev/fheml/core/FheFormatException";
const PARAMETER_MISMATCH: &str = "dev/fheml/core/ParameterMismatchException";
const NULL_POINTER: &str = "java/lang/NullPointerException";
const ILLEGAL_STATE: &str = "java/lang/IllegalStateException";
const ASSERTION: &str = "java/lang/AssertionError";
const CANCELLED: &str = "java/util/concurrent/CancellationException";

/// The one table from engine error to Java exception class.
fn exception_class(e: &FheError) -> &'static str {
    match e {
        FheError::InvalidArgument(_) => ILLEGAL_ARGUMENT,
        FheError::Malformed(_) => FORMAT,
        FheError::ParameterMismatch(_) => PARAMETER_MISMATCH,
        FheError::Null(_) => NULL_POINTER,
        FheError::InvalidHandle(_) => ILLEGAL_STATE,
        FheError::Cancelled(_) => CANCELLED,
        FheError::Internal(_) => ASSERTION,
    }
}

impl From<jni::errors::Error> for FheError {
    fn from(e: jni::errors::Error) -> Self {
        match e {
            jni::errors::Error::NullPtr(what) | jni::errors::Error::NullDeref(what) => {
                FheError::Null(format!("null argument: {what}"))
            }
            other => FheError::Internal(format!("JNI call failed: {other}")),
        }
    }
}

/// Runs `body`, converting an error or a panic into a pending Java exception (and `None`).
fn ffi<'l, R>(env: &mut JNIEnv<'l>, body: impl FnOnce(&mut JNIEnv<'l>) -> FheResult<R>) -> Option<R> {
    let outcome = catch_unwind(AssertUnwindSafe(|| body(&mut *env)));
    let error = match outcome {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(e)) => e,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            FheError::Internal(format!("native engine panicked: {msg}"))
        }
    };
    // A JNI failure may already have raised a Java exception; keep that one.
    if !env.exception_check().unwrap_or(false) {
        let _ = env.throw_new(exception_class(&error), error.to_string());
    }
    None
}

// ------------------------------------------------------------------ handles

trait HandleType {
    const TAG: u64;
    const NAME: &'static str;
}

macro_rules! handle_type {
    ($t:ty, $tag:expr, $name:literal) => {
        impl HandleType for $t {
            const TAG: u64 = $tag;
            const NAME: &'static str = $name;
        }
    };
}

handle_type!(ClientKey, 0xF4E0_0001, "ClientKey");
handle_type!(EvaluationKeyData, 0xF4E0_0002, "EvaluationKey");
handle_type!(ServerKey, 0xF4E0_0003, "ServerKey");
handle_type!(GlweBatch, 0xF4E0_0004, "GlweBatch");
handle_type!(LweBatch, 0xF4E0_0005, "LweBatch");
handle_type!(CompactBatch, 0xF4E0_0006, "CompactBatch");
handle_type!(EvaluationPool, 0xF4E0_0007, "EvaluationPool");
handle_type!(CompiledCircuit, 0xF4E0_0008, "CompiledCircuit");
handle_type!(CancelFlag, 0xF4E0_0009, "CancelFlag");

/// `repr(C)`: the tag sits at offset 0 whatever `T` is, so it can be read before the type is known.
#[repr(C)]
struct Tagged<T> {
    tag: u64,
    value: T,
}

fn into_handle<T: HandleType>(value: T) -> jlong {
    Box::into_raw(Box::new(Tagged { tag: T::TAG, value })) as jlong
}

/// Borrows the object behind a live handle.
fn get<'a, T: HandleType>(handle: jlong) -> FheResult<&'a T> {
    if handle == 0 {
        return Err(FheError::Null(format!("{} handle is null", T::NAME)));
    }
    // SAFETY: non-zero handles come from `into_handle` and are live: the owning `NativeHandle`
    // never passes one after `destroy` (see the module doc). Every handle points to a `Tagged<_>`,
    // which starts with its aligned u64 tag whatever its type.
    let tag = unsafe { *(handle as *const u64) };
    if tag != T::TAG {
        return Err(FheError::InvalidHandle(format!("handle is not a live {}", T::NAME)));
    }
    // SAFETY: as above, and the tag says the box holds a `Tagged<T>`.
    Ok(unsafe { &(*(handle as *const Tagged<T>)).value })
}

/// Frees a handle; a null or wrong-type handle is ignored (destroy runs from `close` and the
/// `Cleaner`, where nothing could handle an exception).
fn destroy<T: HandleType>(handle: jlong) {
    if handle != 0 && get::<T>(handle).is_ok() {
        // SAFETY: see `get`; the Java owner calls destroy at most once, under its write lock.
        drop(unsafe { Box::from_raw(handle as *mut Tagged<T>) });
    }
}

/// The `destroy` entry point of a handle type (called by `NativeHandle.close` and its `Cleaner`).
macro_rules! destroyer {
    ($t:ty, $name:ident) => {
        #[no_mangle]
        pub extern "system" fn $name<'l>(_env: JNIEnv<'l>, _class: JClass<'l>, handle: jlong) {
            destroy::<$t>(handle)
        }
    };
}

// ------------------------------------------------------------------ argument helpers

fn string(env: &mut JNIEnv, s: &JString) -> FheResult<String> {
    if s.is_null() {
        return Err(FheError::Null("null string argument".into()));
    }
    Ok(env.get_string(s)?.into())
}

fn params(env: &mut JNIEnv, name: &JString) -> FheResult<FheParams> {
    FheParams::by_name(&string(env, name)?)
}

fn longs(env: &mut JNIEnv, array: &JLongArray) -> FheResult<Vec<i64>> {
    if array.is_null() {
        return Err(FheError::Null("null long[] argument".into()));
    }
    let len = env.get_array_length(array)? as usize;
    let mut out = vec![0i64; len];
    env.get_long_array_region(array, 0, &mut out)?;
    Ok(out)
}

fn bytes(env: &mut JNIEnv, array: &JByteArray) -> FheResult<Vec<u8>> {
    if array.is_null() {
        return Err(FheError::Null("null byte[] argument".into()));
    }
    Ok(env.convert_byte_array(array)?)
}

fn new_longs(env: &mut JNIEnv, values: &[i64]) -> FheResult<jlongArray> {
    let array = env.new_long_array(values.len() as i32)?;
    env.set_long_array_region(&array, 0, values)?;
    Ok(array.into_raw())
}

fn new_bytes(env: &mut JNIEnv, values: &[u8]) -> FheResult<jbyteArray> {
    Ok(env.byte_array_from_slice(values)?.into_raw())
}

fn dimension(value: jint, what: &str) -> FheResult<usize> {
    usize::try_from(value).map_err(|_| FheError::InvalidArgument(format!("{what} must not be negative, got {value}")))
}

/// A Java `long` that must be positive (a size limit, a torus scale Δ): negative values are
/// refused rather than reinterpreted as huge unsigned ones.
fn positive(value: jlong, what: &str) -> FheResult<u64> {
    u64::try_from(value)
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| FheError::InvalidArgument(format!("{what} must be positive, got {value}")))
}

fn limit(value: jlong) -> FheResult<u64> {
    positive(value, "size limit")
}

fn long_arrays(env: &mut JNIEnv, array: &JObjectArray) -> FheResult<Vec<Vec<i64>>> {
    if array.is_null() {
        return Err(FheError::Null("null long[][] argument".into()));
    }
    let len = env.get_array_length(array)?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let element = JLongArray::from(env.get_object_array_element(array, i)?);
        out.push(longs(env, &element)?);
        // One local reference per element would pile up for long circuits.
        env.delete_local_ref(element)?;
    }
    Ok(out)
}

fn as_phases(values: Vec<u64>) -> Vec<i64> {
    values.into_iter().map(|v| v as i64).collect()
}

// ------------------------------------------------------------------ entry points

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_Params_1names<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
) -> jobjectArray {
    ffi(&mut env, |env| {
        let array = env.new_object_array(params::ALL.len() as i32, "java/lang/String", JObject::null())?;
        for (i, p) in params::ALL.iter().enumerate() {
            let s = env.new_string(p.name)?;
            env.set_object_array_element(&array, i as i32, s)?;
        }
        Ok(array.into_raw())
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `[n, k, N, lweNoiseLog2, glweNoiseLog2, pbsBaseLog, pbsLevel, ksBaseLog, ksLevel,
/// publicKeyDimension, publicKeyNoiseLog2]`; noise values are log2 of the TUniform bound.
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_Params_1describe<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    name: JString<'l>,
) -> jlongArray {
    ffi(&mut env, |env| {
        let p = params(env, &name)?;
        let (pke_dimension, pke_noise) = p.public_key_encryption()?;
        let values = [
            p.lwe_dimension.0 as i64,
            p.glwe_dimension.0 as i64,
            p.polynomial_size.0 as i64,
            FheParams::tuniform_bound_log2(p.lwe_noise) as i64,
            FheParams::tuniform_bound_log2(p.glwe_noise) as i64,
            p.pbs_base_log.0 as i64,
            p.pbs_level.0 as i64,
            p.ks_base_log.0 as i64,
            p.ks_level.0 as i64,
            pke_dimension.0 as i64,
            FheParams::tuniform_bound_log2(pke_noise) as i64,
        ];
        new_longs(env, &values)
    })
    .unwrap_or(std::ptr::null_mut())
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1generate<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    name: JString<'l>,
) -> jlong {
    ffi(&mut env, |env| Ok(into_handle(ClientKey::generate(params(env, &name)?)))).unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1deserialize<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    name: JString<'l>,
    data: JByteArray<'l>,
    max_bytes: jlong,
) -> jlong {
    ffi(&mut env, |env| {
        let p = params(env, &name)?;
        let mut raw = bytes(env, &data)?;
        let data: FheResult<ClientKeyData> = serial::read(&raw, limit(max_bytes)?);
        // Our copy of the secret bytes; the caller clears its own array.
        raw.zeroize();
        // Owned by a ClientKey before the checks, so a refused key is wiped too.
        let key = ClientKey { params: p, data: data? };
        key.data.check(&p)?;
        key.data.check_binary()?;
        Ok(into_handle(key))
    })
    .unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1serialize<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jbyteArray {
    ffi(&mut env, |env| {
        let ck = get::<ClientKey>(handle)?;
        let mut out = serial::to_bytes(&ck.data, u64::MAX)?;
        let array = new_bytes(env, &out);
        out.zeroize();
        array
    })
    .unwrap_or(std::ptr::null_mut())
}

destroyer!(ClientKey, Java_dev_fheml_core_internal_Native_ClientKey_1destroy);

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1evaluationKey<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jlong {
    ffi(&mut env, |_| Ok(into_handle(get::<ClientKey>(handle)?.generate_evaluation_key()?))).unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1encrypt<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    values: JLongArray<'l>,
    vector_length: jint,
    delta: jlong,
) -> jlong {
    ffi(&mut env, |env| {
        let ck = get::<ClientKey>(handle)?;
        let values = longs(env, &values)?;
        let delta = positive(delta, "delta")?;
        let batch = ops::encrypt(ck, &values, dimension(vector_length, "vector length")?, delta)?;
        Ok(into_handle(batch))
    })
    .unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1phases<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
) -> jlongArray {
    ffi(&mut env, |env| {
        let phases = ops::phases(get::<ClientKey>(handle)?, get::<LweBatch>(batch)?)?;
        new_longs(env, &as_phases(phases))
    })
    .unwrap_or(std::ptr::null_mut())
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ClientKey_1compactPhases<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
) -> jlongArray {
    ffi(&mut env, |env| {
        let phases = ops::compact_phases(get::<ClientKey>(handle)?, get::<CompactBatch>(batch)?)?;
        new_longs(env, &as_phases(phases))
    })
    .unwrap_or(std::ptr::null_mut())
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_EvaluationPool_1create<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    threads: jint,
) -> jlong {
    ffi(&mut env, |_| Ok(into_handle(EvaluationPool::new(dimension(threads, "thread count")?)?))).unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_EvaluationPool_1threads<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jint {
    ffi(&mut env, |_| Ok(get::<EvaluationPool>(handle)?.threads() as jint)).unwrap_or(0)
}

destroyer!(EvaluationPool, Java_dev_fheml_core_internal_Native_EvaluationPool_1destroy);

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1expand<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    eval_key: jlong,
    pool: jlong,
) -> jlong {
    ffi(&mut env, |_| {
        let key = get::<EvaluationKeyData>(eval_key)?;
        let pool = get::<EvaluationPool>(pool)?;
        let p = FheParams::by_name(&key.params_name)?;
        Ok(into_handle(ServerKey::expand(p, key, pool)))
    })
    .unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1threads<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jint {
    ffi(&mut env, |_| Ok(get::<ServerKey>(handle)?.threads() as jint)).unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1memoryBytes<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jlong {
    ffi(&mut env, |_| Ok(get::<ServerKey>(handle)?.memory_bytes() as jlong)).unwrap_or(0)
}

destroyer!(ServerKey, Java_dev_fheml_core_internal_Native_ServerKey_1destroy);

/// Shared body of the two dense-layer entry points (GLWE and LWE inputs).
#[allow(clippy::too_many_arguments)]
fn dense_entry<'l, B: HandleType>(
    env: &mut JNIEnv<'l>,
    handle: jlong,
    batch: jlong,
    inputs: jint,
    outputs: jint,
    weights: &JLongArray<'l>,
    bias: &JLongArray<'l>,
    delta: jlong,
    op: fn(&ServerKey, &B, usize, usize, &[i64], &[i64], u64) -> FheResult<LweBatch>,
) -> jlong {
    ffi(env, |env| {
        let sk = get::<ServerKey>(handle)?;
        let batch = get::<B>(batch)?;
        let (w, b) = (longs(env, weights)?, longs(env, bias)?);
        let (i, o) = (dimension(inputs, "inputs")?, dimension(outputs, "outputs")?);
        Ok(into_handle(op(sk, batch, i, o, &w, &b, positive(delta, "delta")?)?))
    })
    .unwrap_or(0)
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1denseGlwe<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
    inputs: jint,
    outputs: jint,
    weights: JLongArray<'l>,
    bias: JLongArray<'l>,
    delta: jlong,
) -> jlong {
    dense_entry(&mut env, handle, batch, inputs, outputs, &weights, &bias, delta, ops::dense_glwe)
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1denseLwe<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
    inputs: jint,
    outputs: jint,
    weights: JLongArray<'l>,
    bias: JLongArray<'l>,
    delta: jlong,
) -> jlong {
    dense_entry(&mut env, handle, batch, inputs, outputs, &weights, &bias, delta, ops::dense_lwe)
}

/// The table-reading operations' common entry: one batch, tables of `domain` values, an output delta.
fn tables_entry<'l>(
    env: &mut JNIEnv<'l>,
    handle: jlong,
    batch: jlong,
    tables: &JLongArray<'l>,
    domain: jint,
    delta_out: jlong,
    op: &dyn Fn(&ServerKey, &LweBatch, &[i64], usize, u64) -> FheResult<LweBatch>,
) -> jlong {
    ffi(env, |env| {
        let sk = get::<ServerKey>(handle)?;
        let batch = get::<LweBatch>(batch)?;
        let tables = longs(env, tables)?;
        let domain = dimension(domain, "table domain")?;
        Ok(into_handle(op(sk, batch, &tables, domain, positive(delta_out, "output delta")?)?))
    })
    .unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1ksPbs<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
    tables: JLongArray<'l>,
    domain: jint,
    delta_out: jlong,
    saturating: jboolean,
) -> jlong {
    let saturating = saturating == JNI_TRUE;
    tables_entry(&mut env, handle, batch, &tables, domain, delta_out, &|sk, b, t, d, o| {
        ops::ks_pbs(sk, b, t, d, o, saturating)
    })
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1reduce<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
    tables: JLongArray<'l>,
    domain: jint,
    delta_out: jlong,
) -> jlong {
    tables_entry(&mut env, handle, batch, &tables, domain, delta_out, &ops::reduce)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1rerandomize<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
) -> jlong {
    ffi(&mut env, |_| Ok(into_handle(ops::rerandomize(get::<ServerKey>(handle)?, get::<LweBatch>(batch)?)?)))
        .unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_ServerKey_1compact<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    batch: jlong,
    keyswitch: jboolean,
    bits: jint,
    rerandomize: jboolean,
) -> jlong {
    ffi(&mut env, |_| {
        let sk = get::<ServerKey>(handle)?;
        let bits = u32::try_from(bits).map_err(|_| FheError::InvalidArgument(format!("bad bit count {bits}")))?;
        let batch = get::<LweBatch>(batch)?;
        Ok(into_handle(ops::compact(sk, batch, keyswitch == JNI_TRUE, bits, rerandomize == JNI_TRUE)?))
    })
    .unwrap_or(0)
}

/// `stages`: one `long[]` per stage in the layout of [`StageSpec::decode`].
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CompiledCircuit_1compile<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    name: JString<'l>,
    input_length: jint,
    stages: JObjectArray<'l>,
) -> jlong {
    ffi(&mut env, |env| {
        let p = params(env, &name)?;
        let input_length = dimension(input_length, "input length")?;
        let encoded = long_arrays(env, &stages)?;
        let specs = encoded.iter().map(|s| StageSpec::decode(s)).collect::<FheResult<Vec<_>>>()?;
        Ok(into_handle(CompiledCircuit::new(p, input_length, &specs)?))
    })
    .unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CompiledCircuit_1evaluate<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    server_key: jlong,
    batch: jlong,
) -> jlong {
    ffi(&mut env, |_| {
        let circuit = get::<CompiledCircuit>(handle)?;
        let result = circuit.evaluate(get::<ServerKey>(server_key)?, get::<GlweBatch>(batch)?)?;
        Ok(into_handle(result))
    })
    .unwrap_or(0)
}

/// `chunk`: queries evaluated together (bounds the intermediate ciphertexts alive at once);
/// `cancel`: a `CancelFlag` handle checked between chunks, or 0 for none.
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CompiledCircuit_1evaluateChunked<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    server_key: jlong,
    batch: jlong,
    chunk: jint,
    cancel: jlong,
) -> jlong {
    ffi(&mut env, |_| {
        let circuit = get::<CompiledCircuit>(handle)?;
        let (sk, input) = (get::<ServerKey>(server_key)?, get::<GlweBatch>(batch)?);
        let chunk = dimension(chunk, "chunk size")?;
        let result = if cancel == 0 {
            circuit.evaluate_chunked(sk, input, chunk, &|| Ok(()))?
        } else {
            let flag = get::<CancelFlag>(cancel)?;
            circuit.evaluate_chunked(sk, input, chunk, &|| flag.check())?
        };
        Ok(into_handle(result))
    })
    .unwrap_or(0)
}

destroyer!(CompiledCircuit, Java_dev_fheml_core_internal_Native_CompiledCircuit_1destroy);

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CancelFlag_1create<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
) -> jlong {
    ffi(&mut env, |_| Ok(into_handle(CancelFlag::default()))).unwrap_or(0)
}

/// Raises the flag; safe while an evaluation reads it on other threads.
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CancelFlag_1cancel<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) {
    ffi(&mut env, |_| {
        get::<CancelFlag>(handle)?.cancel();
        Ok(())
    });
}

destroyer!(CancelFlag, Java_dev_fheml_core_internal_Native_CancelFlag_1destroy);

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_Baseline_1shortintKsPbsMs<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    iterations: jint,
) -> jdouble {
    ffi(&mut env, |_| Ok(baseline::shortint_ks_pbs_ms(dimension(iterations, "iterations")?))).unwrap_or(f64::NAN)
}

/// serialize / deserialize / destroy for the serializable handle types.
macro_rules! serializable {
    ($t:ty, $ser:ident, $de:ident, $destroy:ident) => {
        #[no_mangle]
        pub extern "system" fn $ser<'l>(mut env: JNIEnv<'l>, _class: JClass<'l>, handle: jlong) -> jbyteArray {
            ffi(&mut env, |env| {
                let out = serial::to_bytes(get::<$t>(handle)?, u64::MAX)?;
                new_bytes(env, &out)
            })
            .unwrap_or(std::ptr::null_mut())
        }

        #[no_mangle]
        pub extern "system" fn $de<'l>(
            mut env: JNIEnv<'l>,
            _class: JClass<'l>,
            name: JString<'l>,
            data: JByteArray<'l>,
            max_bytes: jlong,
        ) -> jlong {
            ffi(&mut env, |env| {
                let p = params(env, &name)?;
                let raw = bytes(env, &data)?;
                Ok(into_handle(serial::from_bytes::<$t>(&raw, &p, limit(max_bytes)?)?))
            })
            .unwrap_or(0)
        }

        destroyer!($t, $destroy);
    };
}

/// `count` (queries in the batch) for the batch handle types.
macro_rules! counted {
    ($t:ty, $count:ident, $field:ident) => {
        #[no_mangle]
        pub extern "system" fn $count<'l>(mut env: JNIEnv<'l>, _class: JClass<'l>, handle: jlong) -> jint {
            ffi(&mut env, |_| Ok(get::<$t>(handle)?.$field.len() as jint)).unwrap_or(0)
        }
    };
}

serializable!(
    EvaluationKeyData,
    Java_dev_fheml_core_internal_Native_EvaluationKey_1serialize,
    Java_dev_fheml_core_internal_Native_EvaluationKey_1deserialize,
    Java_dev_fheml_core_internal_Native_EvaluationKey_1destroy
);
serializable!(
    GlweBatch,
    Java_dev_fheml_core_internal_Native_GlweBatch_1serialize,
    Java_dev_fheml_core_internal_Native_GlweBatch_1deserialize,
    Java_dev_fheml_core_internal_Native_GlweBatch_1destroy
);
serializable!(
    LweBatch,
    Java_dev_fheml_core_internal_Native_LweBatch_1serialize,
    Java_dev_fheml_core_internal_Native_LweBatch_1deserialize,
    Java_dev_fheml_core_internal_Native_LweBatch_1destroy
);
serializable!(
    CompactBatch,
    Java_dev_fheml_core_internal_Native_CompactBatch_1serialize,
    Java_dev_fheml_core_internal_Native_CompactBatch_1deserialize,
    Java_dev_fheml_core_internal_Native_CompactBatch_1destroy
);
counted!(GlweBatch, Java_dev_fheml_core_internal_Native_GlweBatch_1count, ciphertexts);
counted!(LweBatch, Java_dev_fheml_core_internal_Native_LweBatch_1count, lists);
counted!(CompactBatch, Java_dev_fheml_core_internal_Native_CompactBatch_1count, queries);

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_LweBatch_1width<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jint {
    ffi(&mut env, |_| Ok(get::<LweBatch>(handle)?.width() as jint)).unwrap_or(0)
}

#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CompactBatch_1width<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jint {
    ffi(&mut env, |_| Ok(get::<CompactBatch>(handle)?.width() as jint)).unwrap_or(0)
}

/// Bytes of the compact public key inside an evaluation key (serialized alone), 0 for a V0 key.
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_EvaluationKey_1publicKeyBytes<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jlong {
    ffi(&mut env, |_| {
        let key = get::<EvaluationKeyData>(handle)?;
        Ok(key.public_key.as_ref().map_or(Ok(0), serial::public_key_bytes)? as jlong)
    })
    .unwrap_or(0)
}

/// The mask polynomial(s) of query `query`, expanded from its seed: what the client that made it
/// knows anyway (for analysis tools and the privacy tests).
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_GlweBatch_1mask<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
    query: jint,
) -> jlongArray {
    ffi(&mut env, |env| {
        let batch = get::<GlweBatch>(handle)?;
        let q = dimension(query, "query")?;
        let seeded = batch.ciphertexts.get(q).ok_or_else(|| {
            FheError::InvalidArgument(format!("query {q} is out of range: the batch holds {}", batch.ciphertexts.len()))
        })?;
        let glwe = seeded.clone().decompress_into_glwe_ciphertext();
        new_longs(env, &as_phases(glwe.get_mask().as_ref().to_vec()))
    })
    .unwrap_or(std::ptr::null_mut())
}

/// Every coefficient (mask then body) of every ciphertext of a compact batch, lifted back to the
/// 64-bit torus, query-major: what the client receives (for analysis tools and the privacy tests).
#[no_mangle]
pub extern "system" fn Java_dev_fheml_core_internal_Native_CompactBatch_1coefficients<'l>(
    mut env: JNIEnv<'l>,
    _class: JClass<'l>,
    handle: jlong,
) -> jlongArray {
    ffi(&mut env, |env| new_longs(env, &as_phases(ops::compact_coefficients(get::<CompactBatch>(handle)?))))
        .unwrap_or(std::ptr::null_mut())
}
