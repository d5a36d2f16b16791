package io.aurum.local;

import static io.aurum.local.EndToEndTest.readAll;
import static io.aurum.local.EndToEndTest.sql;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aurum.config.AurumConfig;
import io.aurum.identity.GoldenIds;
import io.aurum.schemas.XrefEntry;
import io.aurum.topology.Topics;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The steward console in a real browser (Debian's headless chromium through chromedriver) against the whole
 * pipeline with the demo data: a steward untangles the double-billed Acme Corp. Screenshots of every step are kept
 * in {@code target/console-screenshots}.
 */
class StewardConsoleBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "console-screenshots");
    static final Duration LIVENESS = Duration.ofSeconds(120);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @TempDir
    Path browserProfile;

    WebDriver browser;

    @Test
    void aStewardUntanglesTheDoubleBilledAcmeCorpThroughThePage() throws Exception {
        assertThat(CHROMIUM)
                .as("Debian's chromium (./aurum test installs it: apt-get install chromium chromium-driver)")
                .exists();
        assertThat(CHROMEDRIVER).as("Debian's chromium-driver").exists();
        Files.createDirectories(SHOTS);
        AurumConfig config = AurumConfig.fromClasspath("config/demo.yaml");
        LocalOptions options = new LocalOptions(dataDir, false, true, null, 0, 0, 0, 0, Duration.ofMinutes(5));
        try (LocalPipeline p = new LocalPipeline(config, options).start()) {
            p.awaitIdle();
            p.runtime().view().awaitCaughtUp(LIVENESS);
            browser = chromium();
            try {
                walkThrough(p);
            } finally {
                browser.quit();
            }
        }
    }

    private void walkThrough(LocalPipeline p) throws Exception {
        String console = "http://localhost:" + p.runtime().httpPort() + "/console/index.html";
        browser.get(console);
        type("#who", "ana@support");

        // 1. Find Acme: one customer of eight records, billed twice.
        type("#search", "acme");
        click("#search-button");
        waitFor(() -> visible("#customer") && text("#customer-id").startsWith("gc_"));
        String acme = text("#customer-id");
        assertThat(rows("#members tbody tr")).hasSize(8);
        assertThat(memberReason("billing.customers:2089")).startsWith("rule company_domain");
        assertThat(text("#conflicts")).contains("multiple_active_subscriptions");
        assertThat(fieldValue("phone")).isEqualTo("+13125550100");
        shot("01-acme-found");

        // 2. The two billing accounts are one company: a must-link, so the merge no longer rests on a fuzzy rule.
        tick("billing.customers:2002");
        tick("billing.customers:2089");
        type("#link-why", "one company; the second billing account is a duplicate (Acme finance, ticket 4411)");
        click("#must-link");
        waitFor(() -> text("#status").startsWith("Done: billing.customers:2002 and billing.customers:2089 are one"));
        assertThat(memberReason("billing.customers:2089")).startsWith("assertion ml-");
        assertThat(text("#decisions")).contains("must_link").contains("ana@support");
        shot("02-must-link-applied");

        // 3. The golden name, as Acme's contract says it, whatever the CRM's spelling.
        new Select(find("#override-field")).selectByValue("name");
        type("#override-value", "Acme Corporation");
        new Select(find("#override-target")).selectByValue("crm.contacts:1008");
        type("#override-why", "legal name on the contract");
        click("#override");
        waitFor(() -> text("#status").startsWith("Done: name is now \"Acme Corporation\""));
        assertThat(fieldValue("name")).isEqualTo("Acme Corporation");
        assertThat(find("tr[data-field='name'] .rule-cell").getText()).contains("override by ana@support");
        shot("03-name-overridden");

        // 4. Billing cancels the duplicate subscription at the source: the double billing closes on the page.
        sql(p, "billing", "UPDATE subscriptions SET status = 'canceled', canceled_at = now() WHERE id = 40082");
        waitFor(() -> {
            click("#search-button");
            return visible("#customer") && !text("#conflicts").contains("multiple_active_subscriptions");
        });
        assertThat(fieldValue("mrr_cents")).isEqualTo("129900");
        shot("04-double-billing-closed");

        // 5. Luis's support account shares only the ops line with the billing account: keep them apart. The
        //    resolver cuts the weakest evidence of Acme's component first: the company-domain rule, and since the
        //    phone still joins them, every match key of the component. What explicit links and the must-link hold
        //    stays Acme (CRM contact 1008, billing 2002 that links to it, 2089 must-linked to 2002); Luis, the
        //    "Acme Ops" support account (which shared 2089's e-mail), Priya (CRM contact and support account, still
        //    joined by their own e-mail) and Dana's CRM contact each become a customer of their own.
        tick("support.users:3050");
        tick("billing.customers:2089");
        type("#link-why", "shares only the ops phone line with the billing account");
        click("#cannot-link");
        // Done when the page finds the two records under different golden ids.
        waitFor(() ->
                text("#decisions").contains("cannot_link") && text("#status").contains("kept apart"));
        assertThat(text("#decisions")).doesNotContain("refused");
        waitFor(() -> {
            ((ChromeDriver) browser).executeScript("return refresh()"); // the page's own reload of the customer
            return rows("#members tbody tr").size() == 3;
        });
        assertThat(text("#customer-id")).isEqualTo(acme);
        assertThat(rows("#members tbody tr"))
                .extracting(r -> r.getAttribute("data-record"))
                .containsExactlyInAnyOrder("crm.contacts:1008", "billing.customers:2002", "billing.customers:2089");
        assertThat(memberReason("billing.customers:2089")).startsWith("assertion ml-");
        // The search result list above follows the customer: Acme's row counts its 3 records now, not 8.
        waitFor(() -> rows("#results tbody tr").stream()
                .anyMatch(r -> acme.equals(r.getAttribute("data-id"))
                        && r.findElements(By.cssSelector("td")).get(3).getText().equals("3")));
        // customers.xref says so too: Luis is a customer of his own, Priya's two records are one.
        waitFor(() -> {
            Map<String, XrefEntry> x = EndToEndTest.xref(p);
            return x.get("support.users:3050").getGoldenId().equals(GoldenIds.of("support.users:3050"))
                    && x.get("support.users:3015").getGoldenId().equals(GoldenIds.of("crm.contacts:1054"));
        });
        Map<String, XrefEntry> xref = EndToEndTest.xref(p);
        assertThat(xref.get("billing.customers:2089").getGoldenId()).isEqualTo(acme);
        assertThat(xref.get("support.users:3050").getGoldenId())
                .isNotEqualTo(acme)
                .isEqualTo(GoldenIds.of("support.users:3050"));
        assertThat(xref.get("support.users:3050").getReason()).isNull();
        assertThat(xref.get("support.users:3015").getGoldenId())
                .isEqualTo(xref.get("crm.contacts:1054").getGoldenId())
                .isNotEqualTo(acme);
        shot("05-cannot-link-written");
        List<ConsumerRecord<String, byte[]>> assertions = readAll(p, Topics.ASSERTIONS);
        JsonNode cannot = assertions.stream()
                .filter(r -> r.key().startsWith("cl-") && r.value() != null)
                .map(r -> read(r.value()))
                .findFirst()
                .orElseThrow();
        assertThat(cannot.get("type").asText()).isEqualTo("cannot_link");
        assertThat(cannot.get("records").toString()).isEqualTo("[\"billing.customers:2089\",\"support.users:3050\"]");
        assertThat(cannot.get("who").asText()).isEqualTo("ana@support");
        assertThat(cannot.get("why").asText()).contains("ops phone line");

        // 6. The override is withdrawn: the name falls back to the CRM's.
        waitFor(() -> !rows("#decisions tr[data-key='crm.contacts:1008/name'] .retract")
                .isEmpty());
        click("#decisions tr[data-key='crm.contacts:1008/name'] .retract");
        waitFor(() -> find("#status").getText().startsWith("Done: override"));
        assertThat(find("tr[data-field='name'] .rule-cell").getText()).isEqualTo("owner:crm");
        assertThat(text("#customer-id")).isEqualTo(acme);
        shot("06-override-retracted");

        // 7. Data health: merges per system, conflicts by field, hubs, dead letters.
        click("#tab-health");
        waitFor(() -> rows("#chart-systems svg rect").size() == 3);
        // The 300 customers of the demo, plus the four that the cannot-link split off Acme.
        assertThat(text("#totals")).startsWith("304");
        assertThat(rows("#chart-conflicts svg rect")).isNotEmpty();
        assertThat(text("#hubs")).contains("BLOCKLISTED");
        shot("07-data-health");
    }

    private WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1400,2000",
                "--user-data-dir=" + browserProfile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private static JsonNode read(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private WebElement find(String css) {
        return browser.findElement(By.cssSelector(css));
    }

    private List<WebElement> rows(String css) {
        return browser.findElements(By.cssSelector(css));
    }

    private boolean visible(String css) {
        List<WebElement> e = rows(css);
        return !e.isEmpty() && e.get(0).isDisplayed();
    }

    private String text(String css) {
        return find(css).getText();
    }

    private void type(String css, String text) {
        WebElement e = find(css);
        e.clear();
        e.sendKeys(text);
    }

    private void click(String css) {
        find(css).click();
    }

    private void tick(String record) {
        find("#members tr[data-record='" + record + "'] .pick").click();
    }

    private String memberReason(String record) {
        return find("#members tr[data-record='" + record + "'] .reason").getText();
    }

    private String fieldValue(String field) {
        return find("#fields tr[data-field='" + field + "'] .value").getText();
    }

    private void waitFor(java.util.function.Supplier<Boolean> condition) {
        new WebDriverWait(browser, LIVENESS, Duration.ofMillis(500)).until(d -> {
            try {
                return condition.get();
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    private void shot(String name) throws Exception {
        ((ChromeDriver) browser).executeScript("window.scrollTo(0, 0)");
        File png = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
