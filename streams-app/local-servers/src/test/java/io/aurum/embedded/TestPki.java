package io.aurum.embedded;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time, and the certificates it issues (EC P-256, valid for a day), written
 * as the PEM files that Kafka ({@code ssl.keystore.type=PEM}), Postgres ({@code ssl_cert_file}, {@code ssl_key_file})
 * and pgjdbc ({@code sslrootcert}) read, or as an {@link SSLContext} for an in-JVM server. Nothing is ever written
 * outside {@code dir}.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    private TestPki(Path dir, String name, KeyPair caKeys, X509Certificate ca) {
        this.dir = dir;
        this.name = name;
        this.caKeys = caKeys;
        this.ca = ca;
    }

    /** A new CA, {@code CN=<name>}, whose certificate is written to {@code dir/<name>.pem}. */
    public static TestPki create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = keyPair();
            X500Name subject = new X500Name("CN=" + name);
            X509v3CertificateBuilder builder = builder(subject, subject, keys);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys.getPrivate());
            TestPki pki = new TestPki(dir, name, keys, cert);
            Files.writeString(pki.caPem(), pem(cert));
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("could not create the test CA " + name, e);
        }
    }

    /** The CA certificate, PEM: a trust store ({@code ssl.truststore.type=PEM}, {@code sslrootcert}). */
    public Path caPem() {
        return dir.resolve(name + ".pem");
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    /**
     * A certificate for {@code CN=<commonName>}, for server and client use, naming {@code hosts} (DNS names or IP
     * addresses) as subject alternative names.
     */
    public Issued issue(String commonName, String... hosts) {
        try {
            KeyPair keys = keyPair();
            X509v3CertificateBuilder builder =
                    builder(new X500Name("CN=" + name), new X500Name("CN=" + commonName), keys);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            if (hosts.length > 0) {
                List<GeneralName> names = new ArrayList<>();
                for (String host : hosts) {
                    boolean ip = host.chars().allMatch(c -> Character.isDigit(c) || c == '.') || host.contains(":");
                    names.add(
                            ip
                                    ? new GeneralName(
                                            GeneralName.iPAddress,
                                            new org.bouncycastle.asn1.DEROctetString(
                                                    InetAddress.getByName(host).getAddress()))
                                    : new GeneralName(GeneralName.dNSName, host));
                }
                builder.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return new Issued(commonName, sign(builder, caKeys.getPrivate()), keys.getPrivate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("could not issue a test certificate for " + commonName, e);
        }
    }

    /** One issued certificate with its private key. */
    public final class Issued {
        private final String commonName;
        private final X509Certificate certificate;
        private final PrivateKey key;

        private Issued(String commonName, X509Certificate certificate, PrivateKey key) {
            this.commonName = commonName;
            this.certificate = certificate;
            this.key = key;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** The certificate alone, PEM ({@code ssl_cert_file}). */
        public Path certPem() {
            return write(commonName + ".crt", pem(certificate), false);
        }

        /** The private key, unencrypted PKCS#8 PEM, readable by its owner only ({@code ssl_key_file}). */
        public Path keyPem() {
            try {
                return write(commonName + ".key", pem(new JcaPKCS8Generator(key, null)), true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Kafka's PEM key store ({@code ssl.keystore.type=PEM}, {@code ssl.keystore.location}): the private key
         * encrypted with {@code keyPassword} ({@code ssl.key.password}), then the certificate and the CA's.
         */
        public Path keystorePem(String keyPassword) {
            try {
                OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.PBE_SHA1_3DES)
                        .setPassword(keyPassword.toCharArray())
                        .setRandom(new SecureRandom())
                        .build();
                String text = pem(new JcaPKCS8Generator(key, encryptor)) + pem(certificate) + pem(ca);
                return write(commonName + "-keystore.pem", text, true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (org.bouncycastle.operator.OperatorCreationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A TLS server context presenting this certificate (and the CA's). */
        public SSLContext serverContext() {
            try {
                char[] password = "unused".toCharArray();
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry(commonName, key, password, new X509Certificate[] {certificate, ca});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, password);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), null, null);
                return context;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private Path write(String file, String text, boolean secret) {
        Path path = dir.resolve(file);
        try {
            Files.writeString(path, text, StandardCharsets.US_ASCII);
            if (secret) {
                // Postgres refuses a key file that group or others can read.
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return path;
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
