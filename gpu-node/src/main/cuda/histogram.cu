// Per-frame B, G, R and luma histograms (bins per channel, bin = value * bins / 256) for shot detection.
// Luma uses OpenCV's fixed-point BGR2GRAY weights so that CPU, GPU and OpenCV agree exactly.
// Output layout: hist[channel * bins + bin], channel 0..3 = B, G, R, Y; raw counts.
extern "C" __global__ void histogram_bgry(
    const unsigned char* src, int w, int h, int stride, int bins, unsigned int* hist)
{
    extern __shared__ unsigned int local[];
    for (int i = threadIdx.x; i < 4 * bins; i += blockDim.x) local[i] = 0;
    __syncthreads();
    int n = w * h;
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < n; p += blockDim.x * gridDim.x) {
        int y = p / w, x = p - y * w;
        const unsigned char* px = src + (size_t) y * stride + x * 3;
        int b = px[0], g = px[1], r = px[2];
        int luma = (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14;
        atomicAdd(&local[0 * bins + b * bins / 256], 1u);
        atomicAdd(&local[1 * bins + g * bins / 256], 1u);
        atomicAdd(&local[2 * bins + r * bins / 256], 1u);
        atomicAdd(&local[3 * bins + luma * bins / 256], 1u);
    }
    __syncthreads();
    for (int i = threadIdx.x; i < 4 * bins; i += blockDim.x) {
        if (local[i]) atomicAdd(&hist[i], local[i]);
    }
}
