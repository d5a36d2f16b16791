package io.aurum.serde;

import java.util.HashSet;
import java.util.Set;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 only instantiates classes it trusts when it loads them by name from a schema, and reads the trusted
 * packages from the system property {@code org.apache.avro.SERIALIZABLE_PACKAGES} once, in a static initializer, so
 * setting the property at run time is too late once any Avro reader has been used. Extending the global
 * {@link ClassSecurityValidator} predicate works at any time, keeps whatever the user configured, and trusts no
 * more than the packages of the generated classes we were asked to read.
 */
final class AvroTrust {
  static final String SCHEMAS_PACKAGE = "io.aurum.schemas";

  private static final Set<String> TRUSTED = new HashSet<>();

  static {
    trustPackage(SCHEMAS_PACKAGE);
  }

  private AvroTrust() {}

  /** Trusts the package of a generated class the caller named explicitly. */
  static void trustPackageOf(Class<?> type) {
    trustPackage(type.getPackageName());
  }

  static synchronized void trustPackage(String pkg) {
    if (!TRUSTED.add(pkg)) {
      return;
    }
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
        ClassSecurityValidator.getGlobal(), c -> pkg.equals(c.getPackageName())));
  }

  /** Forces the static initializer; called by the serdes so that merely using them is enough. */
  static void ensureInstalled() {}
}
