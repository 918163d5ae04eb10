// Sharpness as the variance of the Laplacian (3x3 [0 1 0; 1 -4 1; 0 1 0], edges replicated) of an 8-bit grey image:
// sums the response and its square in integers (exact; |v| <= 1020), the host turns them into a variance.
extern "C" __global__ void laplacian_sums(
    const unsigned char* g, int w, int h, int stride, long long* sum, unsigned long long* sumSq)
{
    __shared__ long long bsum[256];
    __shared__ unsigned long long bsq[256];
    long long s = 0; unsigned long long q = 0;
    int n = w * h;
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < n; p += blockDim.x * gridDim.x) {
        int y = p / w, x = p - y * w;
        int xl = x > 0 ? x - 1 : 0, xr = x < w - 1 ? x + 1 : w - 1;
        int yu = y > 0 ? y - 1 : 0, yd = y < h - 1 ? y + 1 : h - 1;
        int c = g[(size_t) y * stride + x];
        int v = g[(size_t) y * stride + xl] + g[(size_t) y * stride + xr]
              + g[(size_t) yu * stride + x] + g[(size_t) yd * stride + x] - 4 * c;
        s += v;
        q += (unsigned long long) (v * v);
    }
    bsum[threadIdx.x] = s; bsq[threadIdx.x] = q;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) {
            bsum[threadIdx.x] += bsum[threadIdx.x + k];
            bsq[threadIdx.x] += bsq[threadIdx.x + k];
        }
        __syncthreads();
    }
    // Two's complement: adding the signed sum as unsigned is exact.
    if (threadIdx.x == 0) {
        atomicAdd((unsigned long long*) sum, (unsigned long long) bsum[0]);
        atomicAdd(sumSq, bsq[0]);
    }
}
