/**
 * Typed, validated settings: {@link org.kron4j.api.settings.Setting} describes one,
 * {@link org.kron4j.api.settings.Settings} holds values for a schema,
 * {@link org.kron4j.api.settings.VariantSpec} parses the {@code "kfac:damping=1e-3"} syntax, and
 * {@link org.kron4j.api.settings.OptimizerConfig} is the one typed configuration (a variant and a
 * value for every setting that applies to it) that every entry point takes. This package is the
 * only place where a setting is read from text.
 */
package org.kron4j.api.settings;
