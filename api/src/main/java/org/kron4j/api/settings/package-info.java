/**
 * Typed, validated settings: {@link org.kron4j.api.settings.Setting} describes one,
 * {@link org.kron4j.api.settings.Settings} holds values for a schema, and
 * {@link org.kron4j.api.settings.VariantSpec} parses the {@code "kfac:damping=1e-3"} form used by
 * the CLI and configuration files into the same builder.
 */
package org.kron4j.api.settings;
