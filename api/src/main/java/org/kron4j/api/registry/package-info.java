/**
 * Discovery and wiring: {@link org.kron4j.api.registry.VariantRegistry} finds variants with
 * ServiceLoader; {@link org.kron4j.api.registry.Kron4jModule} binds them in Guice.
 */
package org.kron4j.api.registry;
