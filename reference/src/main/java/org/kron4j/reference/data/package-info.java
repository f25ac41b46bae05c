/**
 * The small UCI data sets kron4j ships as resources (digits, iris, wine, breast cancer; from
 * scikit-learn's copies, CC BY 4.0), loaded as immutable {@link org.kron4j.reference.data.Dataset}s.
 */
package org.kron4j.reference.data;
