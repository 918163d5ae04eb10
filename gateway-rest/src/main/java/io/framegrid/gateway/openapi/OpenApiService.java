package io.framegrid.gateway.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /openapi.json} of a surface: its {@link OpenApiDocument}, generated on the first request from the
 * routes of the server answering it (all of them bound by then), then served from memory.
 */
public final class OpenApiService implements HttpService {
    private final String surface;
    private final String version;
    private final OpenApiDocument generator;
    private final ObjectMapper mapper;
    private final AtomicReference<byte[]> document = new AtomicReference<>();

    public OpenApiService(String surface, String version, ObjectMapper mapper) {
        this.surface = surface;
        this.version = version;
        this.mapper = mapper;
        this.generator = new OpenApiDocument(mapper);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) throws JsonProcessingException {
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED);
        }
        byte[] body = document.get();
        if (body == null) {
            body = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(
                    generator.generate(surface, version, ctx.config().server().serviceConfigs()));
            document.compareAndSet(null, body);
        }
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.JSON_UTF_8)
                .set("Access-Control-Allow-Origin", "*").build(), HttpData.wrap(body));
    }
}
