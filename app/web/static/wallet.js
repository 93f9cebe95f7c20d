// "Connect wallet": Sign-In with Ethereum through the browser's EIP-1193 provider
// (window.ethereum). The edge sets the HttpOnly access cookie on /verify; the page keeps
// only the address and expiry (identity.js) to know it should try the wallet flow.
// Without a provider the button stays disabled and the page uses the public flows.
import { api } from "./api.js";
import { rememberWallet, wallet } from "./identity.js";

const hex = (text) => "0x" + [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
const short = (address) => `${address.slice(0, 6)}…${address.slice(-4)}`;

export function setupWallet(button, status) {
  const provider = window.ethereum;
  const refresh = () => {
    const signedIn = wallet();
    button.hidden = Boolean(signedIn);
    status.textContent = signedIn ? `Signed in as ${short(signedIn.address)}` : "";
    document.body.dataset.wallet = signedIn ? "signed-in" : provider ? "available" : "none";
  };
  if (!provider) {
    button.disabled = true;
    button.title = "Install a wallet extension to sign in";
    refresh();
    status.textContent = "No wallet found: watching as a guest";
    return { refresh };
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const [address] = await provider.request({ method: "eth_requestAccounts" });
      const nonce = await api("POST", "/api/auth/wallet/nonce", { body: { address } });
      const signature = await provider.request({ method: "personal_sign", params: [hex(nonce.message), address] });
      const access = await api("POST", "/api/auth/wallet/verify", { body: { message: nonce.message, signature } });
      rememberWallet({ address: access.address, expiresAt: access.expiresAt });
    } catch (error) {
      status.textContent = `Sign-in failed: ${error.message}`;
      return;
    } finally {
      button.disabled = false;
    }
    refresh();
  });
  refresh();
  return { refresh };
}
