package io.framegrid.gateway.annotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.framegrid.config.local.SharedFiles;
import io.framegrid.fabric.grid.CacheNames;
import io.framegrid.gateway.GatewayExtension;
import io.framegrid.gateway.GatewayExtension.Reply;
import io.framegrid.proto.annotation.v1.Sync;
import io.framegrid.proto.annotation.v1.Video;
import io.framegrid.proto.identity.v1.RegisterRequest;
import io.framegrid.proto.media.v1.Media;
import io.framegrid.proto.media.v1.UploadHeader;
import java.io.File;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The annotator page in headless Chromium against a real coordinator and gateway: sign in, claim the next video
 * (it plays through the Range-serving file route), shift the video, commit. Skipped where chromedriver is absent.
 * Leaves a screenshot in {@code gateway-rest/docs/annotator-page.png} for the README.
 */
class AnnotationPageTest {
    @RegisterExtension
    static final GatewayExtension gw = new GatewayExtension(Map.of());

    private final AnnotationFixtures fx = new AnnotationFixtures(gw);

    @Test
    void anAnnotatorClaimsShiftsAndCommitsInTheBrowser() throws Exception {
        Path driver = Path.of(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver"));
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        Assumptions.assumeTrue(Files.isExecutable(driver) && Files.isExecutable(chromium),
                "chromium and chromedriver are not installed");

        fx.drainPool();
        String email = "page" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        gw.coordinator().client().identity().register(RegisterRequest.newBuilder().setEmail(email)
                .setUsername(email.substring(0, 12)).setPassword("Annotate123").build());
        String token = gw.coordinator().client().identity().login(email, "Annotate123").getAccessToken();
        // A real file in the media store, entered into the pool as a probe would leave it (no gpu-node here).
        Media media;
        try (InputStream in = Files.newInputStream(SharedFiles.media("counter-text.mp4"))) {
            media = gw.coordinator().client().withBearerToken(token).mediaAsync().upload(UploadHeader.newBuilder()
                    .setFilename("counter-text.mp4").setContentType("video/mp4").build(), in).join();
        }
        String id = media.getMediaId();
        gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_VIDEOS).put(id, Video.newBuilder()
                .setVideoId(id).setTitle("counter").setUploaderId("seed").setUploadDateMs(gw.coordinator().clock().millis())
                .setFrames(100).setFps(25).setDurationMs(4_000).setSizeBytes(media.getSize()).build().toByteArray());
        StringBuilder csv = new StringBuilder("timestamp,speed,lat,lon\n");
        for (int t = 0; t <= 4000; t += 200) {
            csv.append(t).append(',').append(5 + t / 400.0).append(',').append(55.75 + t * 1e-6).append(',')
                    .append(37.6 + t * 2e-6).append('\n');
        }
        var owner = new AnnotationFixtures.Annotator("", token);
        assertThat(fx.multipart("/api/data/upload_csv", owner, "csv_file", csv.toString(), "video_id", id).status())
                .isEqualTo(200);
        assertThat(fx.multipart("/api/data/upload_button_data", owner, "button_data_file", "0\n1\n1\n0\n", "video_id", id)
                .status()).isEqualTo(200);
        // The file route serves ranges (what the player asks for).
        Reply range = gw.send(HttpRequest.newBuilder(gw.uri("annotation", "/api/videos/" + id + "/file?access_token="
                + token)).header("Range", "bytes=0-99").GET());
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.header("content-range")).isEqualTo("bytes 0-99/" + media.getSize());

        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile());
        Path profile = Files.createTempDirectory("framegrid-chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1000,800", "--autoplay-policy=no-user-gesture-required",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile())
                .usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
            browser.get(gw.uri("annotation", "/").toString());
            browser.findElement(By.id("email")).sendKeys(email);
            browser.findElement(By.id("password")).sendKeys("Annotate123");
            browser.findElement(By.id("login")).click();
            wait.until(d -> d.findElement(By.id("status")).getText().equals("Signed in."));
            browser.findElement(By.id("claim")).click();
            wait.until(d -> d.findElement(By.id("status")).getText().startsWith("Claimed " + id));
            // The player read the video's metadata through the file route.
            wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript(
                    "return document.getElementById('player').readyState")).intValue() >= 1);
            browser.findElement(By.id("shift-seconds")).clear();
            browser.findElement(By.id("shift-seconds")).sendKeys("0.5");
            browser.findElement(By.id("shift-video")).click();
            wait.until(d -> d.findElement(By.id("status")).getText().startsWith("Video timestamps shifted successfully"));
            assertThat(browser.findElement(By.id("offsets")).getText()).contains("video offset 500 ms");
            File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
            browser.findElement(By.id("commit")).click();
            wait.until(d -> d.findElement(By.id("status")).getText().startsWith("Committed"));
            Path docs = Path.of(System.getProperty("user.dir")).resolve("docs");
            Files.createDirectories(docs);
            Files.copy(shot.toPath(), docs.resolve("annotator-page.png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.quit();
            io.framegrid.coordinator.testing.CoordinatorExtension.deleteRecursively(profile);
        }
        assertThat(fx.stored(id).getAnnotated()).isTrue();
        assertThat(Sync.parseFrom(gw.coordinator().ignite().<String, byte[]>cache(CacheNames.ANNOTATION_SYNC).get(id))
                .getVideoOffsetUs()).isEqualTo(500_000);
        Reply committed = gw.get("annotation", "/api/annotations/" + id, owner.bearer());
        // The page committed one annotation per CSV speed the video shows (file time = data time - 500 ms: 600..4000 ms).
        assertThat(committed.json().get("annotations").size()).isEqualTo(18);
    }
}
