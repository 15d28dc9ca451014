/**
 * The wire format between clients and the inference server: request and response
 * {@link dev.fheml.core.protocol.Envelope envelopes} (magic, version, model id, key id, inline
 * ciphertexts), parsed strictly and with size limits, and content-addressed {@link
 * dev.fheml.core.protocol.Ids ids}.
 */
package dev.fheml.core.protocol;
