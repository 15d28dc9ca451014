/**
 * Everything two processes of fhe-ml must agree on, typed once: the exchange bucket's layout
 * ({@link dev.fheml.protocol.ExchangeLayout}), the inference container's environment and HTTP
 * contract ({@link dev.fheml.protocol.ContainerEnvironment}, {@link dev.fheml.protocol.HostingContract}),
 * artifact names and manifest fields ({@link dev.fheml.protocol.ArtifactNames},
 * {@link dev.fheml.protocol.Manifest}), the error codes and which are retryable
 * ({@link dev.fheml.protocol.ErrorCode}), the request/response {@link dev.fheml.protocol.Envelope}
 * and content-addressed {@link dev.fheml.protocol.Ids ids}. Plain Java with no dependencies, so
 * the client, the server, the local stack, the CLI and the CDK app can all import it.
 *
 * <p>A test scans every other module's sources and fails when one of these strings is typed there.
 */
package dev.fheml.protocol;
