/**
 * First-order baselines (SGD with heavy-ball momentum, Adam) as step functions. They run kron4j's
 * first-order transforms ({@code org.kron4j.api.optim.transform}), the same classes the driver's
 * momentum and Shampoo's grafting use, so one implementation of each rule serves everywhere; what
 * keeps the comparison honest is that the transforms and these baselines are checked against
 * plain-Java float64 recursions written from the papers (the api's {@code FirstOrderTransformsTest},
 * this module's {@code BaselinesTest}), not against each other.
 */
package org.kron4j.testkit.baseline;
