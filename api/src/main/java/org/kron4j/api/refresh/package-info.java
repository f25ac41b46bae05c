/**
 * A block's refresh split in two: {@link org.kron4j.api.refresh.RefreshJob}, a pure computation from a
 * snapshot of the averaged factors that may run on any thread (a background thread of the driver, or
 * another machine), and its {@link org.kron4j.api.refresh.RefreshResult}, named arrays and scalars that
 * the block installs on the training thread in one swap.
 *
 * <p>Contract: {@code block.refresh(λ)} has the effect of {@code block.install(block.prepareRefresh(λ).compute())},
 * bit for bit. A job holds copies (never the block, never live store arrays), so the block may keep
 * absorbing statistics while it runs; a result holds only arrays it owns, keyed by names the block
 * documents, so it can be moved between threads or serialised by an engine.
 */
package org.kron4j.api.refresh;
