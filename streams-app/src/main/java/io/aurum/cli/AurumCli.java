package io.aurum.cli;

public final class AurumCli {
    public static void main(String[] args) {
        System.out.println("aurum");
    }
}
