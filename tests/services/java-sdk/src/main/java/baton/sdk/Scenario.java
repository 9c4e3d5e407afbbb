package baton.sdk;
public class Scenario { public static void main(String[] a) { System.out.println("hi"); } }
