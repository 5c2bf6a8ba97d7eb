package io.portcullis.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.portcullis.policy.OutboundPolicy;
import io.portcullis.proxy.ProxySettings;
import io.portcullis.testsupport.Cli;
import io.portcullis.testsupport.HttpOrigin;
import io.portcullis.testsupport.LeakCheckExtension;
import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The live view in a real browser: Debian's headless chromium, driven by Selenium through
 * Debian's chromedriver (both paths given, so Selenium Manager never downloads anything). The page
 * opens, a destination curl is refused appears live with its reason, "Allow" applies the suggested
 * ServiceEntry through the admin API, and curl then succeeds. The screenshot lands in
 * {@code target/ui-screenshot.png} (the README's is a copy).
 */
@ExtendWith(LeakCheckExtension.class)
class LiveViewBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String HOST = "blocked.example.com";

    @BeforeAll
    static void tools() {
        Cli.requireCommand("curl");
        Cli.requireCommand("chromium");
        Cli.requireCommand("chromedriver");
    }

    private static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String curlStatus(RunningGateway g, HttpOrigin origin) {
        return Cli.run(Duration.ofSeconds(30), "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time",
                "15", "-x", g.proxyUrl(), origin.url(HOST)).stdout();
    }

    @Test
    void aRefusedDestinationAppearsLiveAndAllowLetsCurlThrough(@TempDir Path profile) throws Exception {
        try (HttpOrigin origin = new HttpOrigin("blocked");
             RunningGateway g = RunningGateway.start(OutboundPolicy.REGISTRY_ONLY,
                     ProxySettings.defaults(InetAddress.getLoopbackAddress()), HOST)) {
            WebDriver browser = chromium(profile);
            try {
                browser.get(g.adminUrl() + "/ui");
                await().atMost(WAIT).until(() -> browser.findElement(By.id("status")).getText().equals("live"));

                assertThat(curlStatus(g, origin)).isEqualTo("403");
                await().atMost(WAIT).until(() -> browser.findElement(By.id("flows")).getText()
                        .contains(HOST + ":" + origin.port()));
                assertThat(browser.findElement(By.id("flows")).getText()).contains("denied", "no_service_entry");
                By allow = By.cssSelector("button.allow[data-destination='" + HOST + "']");
                await().atMost(WAIT).until(() -> !browser.findElements(allow).isEmpty());
                assertThat(browser.findElement(By.id("blocked")).getText()).contains("no_service_entry", "127.0.0.1");

                browser.findElement(allow).click();
                WebElement yaml = browser.findElement(By.id("allowyaml"));
                assertThat(yaml.getText()).contains("kind: ServiceEntry", "hosts: [\"" + HOST + "\"]");
                browser.findElement(By.id("allowapply")).click();
                await().atMost(WAIT).until(() -> browser.findElement(By.id("allowresult")).getText()
                        .contains("ServiceEntry/blocked-example-com created"));

                await().atMost(WAIT).until(() -> curlStatus(g, origin).equals("200"));
                await().atMost(WAIT).until(() -> browser.findElement(By.id("flows")).getText().contains("allowed"));
                await().atMost(WAIT).until(() -> browser.findElement(By.id("config")).getText()
                        .contains("ServiceEntry/default/blocked-example-com"));
                File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
                Files.copy(shot.toPath(), Path.of("target", "ui-screenshot.png"), StandardCopyOption.REPLACE_EXISTING);
            } finally {
                browser.quit();
            }
        }
    }
}
